package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import java.nio.file.Path;

/**
 * transformers' CLIPTextModelWithProjection: the CLIP text transformer plus {@code text_projection} (Linear without
 * bias, hidden → projection_dim) applied to the pooled EOS state — SD3's CLIP-L and CLIP-G, whose pipeline uses the
 * projected {@code text_embeds} as pooled conditioning and the second to last hidden state as token conditioning.
 */
public final class CLIPTextModelWithProjection {
    /**
     * @param textEmbeds      (B, projection_dim)
     * @param lastHiddenState (B, L, hidden) after final_layer_norm
     * @param hiddenStates    embeddings output + every layer's output (numHiddenLayers + 1 entries)
     */
    public record Output(NDArray textEmbeds, NDArray lastHiddenState, NDList hiddenStates) {}

    private final CLIPTextTransformer textModel;
    private final Linear textProjection;

    public CLIPTextModelWithProjection(CLIPTextConfig config, StateDict sd) {
        this.textModel = new CLIPTextTransformer(sd, "text_model", config);
        this.textProjection = new Linear(sd, "text_projection", config.hiddenSize(), config.projectionDim(), false);
    }

    /** Loads a {@code text_encoder/} folder whose weights include {@code text_projection.weight}; see {@link CLIPTextModel#load}. */
    public static CLIPTextModelWithProjection load(Path textEncoderDir, String variant, NDManager manager, DataType dtype) {
        StateDict sd = StateDict.load(textEncoderDir, variant, manager, dtype, false);
        CLIPTextModelWithProjection model = new CLIPTextModelWithProjection(CLIPTextConfig.load(textEncoderDir), sd);
        sd.requireAllUsed();
        return model;
    }

    /** input ids (B, L) int64 → projected pooled embedding, last and all hidden states, in the ids' manager. */
    public Output forward(NDArray inputIds) {
        CLIPTextTransformer.Output o = textModel.forward(inputIds);
        return new Output(textProjection.forward(o.pooledOutput()), o.lastHiddenState(), o.hiddenStates());
    }

    public CLIPTextConfig config() {
        return textModel.config();
    }
}
