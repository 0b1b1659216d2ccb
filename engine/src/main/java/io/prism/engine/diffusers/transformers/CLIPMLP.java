package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.Linear;

/**
 * transformers' CLIPMLP: {@code fc1} → activation → {@code fc2}. The activation is the config's hidden_act: exact
 * "gelu" (SD2's OpenCLIP-H, SD3's CLIP-G) or "quick_gelu" (OpenAI CLIP: SD1, SD3's CLIP-L); confusing them moves SD2's
 * embedding by ~3e-3, far outside the 1e-6 tolerance.
 */
public final class CLIPMLP {
    private final Linear fc1;
    private final Linear fc2;
    private final boolean quickGelu;

    public CLIPMLP(StateDict sd, String prefix, CLIPTextConfig config) {
        this.fc1 = new Linear(sd, prefix + ".fc1", config.hiddenSize(), config.intermediateSize(), true);
        this.fc2 = new Linear(sd, prefix + ".fc2", config.intermediateSize(), config.hiddenSize(), true);
        this.quickGelu = config.hiddenAct().equals("quick_gelu");
    }

    /** (B, L, hidden) → (B, L, intermediate) → (B, L, hidden). */
    public NDArray forward(NDArray x) {
        NDArray h = fc1.forward(x);
        h = quickGelu ? quickGelu(h) : Functional.gelu(h);
        return fc2.forward(h);
    }

    /** transformers' QuickGELUActivation: x · σ(1.702 · x). */
    static NDArray quickGelu(NDArray x) {
        return x.mul(Activation.sigmoid(x.mul(1.702f)));
    }
}
