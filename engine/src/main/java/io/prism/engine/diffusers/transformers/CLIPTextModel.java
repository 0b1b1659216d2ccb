package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.diffusers.StateDict;

import java.nio.file.Path;

/**
 * transformers' CLIPTextModel: the CLIP text transformer under {@code text_model.} without a projection — SD1/SD2's
 * text encoder (Marigold conditions its UNet on the last hidden state of the empty prompt).
 */
public final class CLIPTextModel {
    private final CLIPTextTransformer textModel;
    private final NDManager manager;

    /** Builds the model from its config, taking the weights from {@code sd} (a checkpoint or {@link StateDict#random}). */
    public CLIPTextModel(CLIPTextConfig config, StateDict sd) {
        this.textModel = new CLIPTextTransformer(sd, "text_model", config);
        this.manager = sd.manager();
    }

    /**
     * Loads a {@code text_encoder/} folder (config.json + model[.variant].safetensors), refusing tensors the config's
     * architecture does not use (e.g. a {@code text_projection}: load those with {@link CLIPTextModelWithProjection}).
     *
     * @param variant null, or e.g. "fp16" to prefer {@code model.fp16.safetensors}
     * @param dtype   FLOAT32 or FLOAT16 compute dtype
     */
    public static CLIPTextModel load(Path textEncoderDir, String variant, NDManager manager, DataType dtype) {
        StateDict sd = StateDict.load(textEncoderDir, variant, manager, dtype, false);
        CLIPTextModel model = new CLIPTextModel(CLIPTextConfig.load(textEncoderDir), sd);
        sd.requireAllUsed();
        return model;
    }

    /** input ids (B, L) int64 → last hidden state, pooled output and all hidden states, in the ids' manager. */
    public CLIPTextTransformer.Output forward(NDArray inputIds) {
        return textModel.forward(inputIds);
    }

    /**
     * One token sequence → its last hidden state (1, L, hidden), attached to the model's manager (the other outputs are
     * freed).
     */
    public NDArray encode(long[] ids) {
        try (NDManager sub = manager.newSubManager()) {
            NDArray out = forward(sub.create(new long[][] {ids})).lastHiddenState();
            out.attach(manager);
            return out;
        }
    }

    public CLIPTextConfig config() {
        return textModel.config();
    }
}
