package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.LayerNorm;

import java.util.ArrayList;
import java.util.List;

/**
 * transformers' CLIPTextTransformer (the {@code text_model.} part of every CLIP text encoder): embeddings → encoder
 * layers under the causal mask → {@code final_layer_norm}, plus the pooled output (the final-normed state of the
 * EOS token). No attention mask: diffusers' SD pipelines pass none (padding tokens are only hidden by causality).
 */
public final class CLIPTextTransformer {
    /**
     * @param lastHiddenState (B, L, hidden) after final_layer_norm (SD1/SD2's conditioning)
     * @param pooledOutput    (B, hidden): lastHiddenState at each row's EOS position
     * @param hiddenStates    the embeddings output followed by every layer's output (numHiddenLayers + 1 entries of
     *                        (B, L, hidden), before final_layer_norm); SD3 conditions on the second to last
     */
    public record Output(NDArray lastHiddenState, NDArray pooledOutput, NDList hiddenStates) {}

    private final CLIPTextConfig config;
    private final CLIPTextEmbeddings embeddings;
    private final List<CLIPEncoderLayer> layers = new ArrayList<>();
    private final LayerNorm finalLayerNorm;

    public CLIPTextTransformer(StateDict sd, String prefix, CLIPTextConfig config) {
        this.config = config;
        embeddings = new CLIPTextEmbeddings(sd, prefix + ".embeddings", config);
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            layers.add(new CLIPEncoderLayer(sd, prefix + ".encoder.layers." + i, config));
        }
        finalLayerNorm = new LayerNorm(sd, prefix + ".final_layer_norm", config.hiddenSize(), config.layerNormEps());
    }

    /** input ids (B, L) int64 → every output, in the ids' manager. */
    public Output forward(NDArray inputIds) {
        Shape s = inputIds.getShape();
        if (s.dimension() != 2 || inputIds.getDataType() != DataType.INT64) {
            throw new IllegalArgumentException("input ids must be (batch, length) int64, got " + s + " " + inputIds.getDataType());
        }
        NDArray h = Functional.scoped(new NDList(inputIds), in -> embeddings.forward(in.get(0)));   // (B, L, hidden)
        NDArray mask = causalMask(inputIds.getManager(), s.get(1), h.getDataType());                 // (L, L)
        NDList hiddenStates = new NDList(h);
        for (CLIPEncoderLayer layer : layers) {
            h = Functional.scoped(new NDList(h, mask), in -> layer.forward(in.get(0), in.get(1)));
            hiddenStates.add(h);
        }
        NDArray last = finalLayerNorm.forward(h);
        return new Output(last, pool(last, inputIds.toLongArray(), (int) s.get(0), (int) s.get(1)), hiddenStates);
    }

    /**
     * The EOS token's state per row. Configs with the legacy eos_token_id 2 (all SD text encoders) take the position of
     * the largest id — &lt;|endoftext|&gt; is the last vocabulary entry — first occurrence on ties; other configs take
     * the first position holding eos_token_id (position 0 if none), exactly as transformers does.
     */
    private NDArray pool(NDArray last, long[] ids, int batch, int length) {
        NDList rows = new NDList(batch);
        for (int b = 0; b < batch; b++) {
            int pos = 0;
            for (int i = 0; i < length; i++) {
                long id = ids[b * length + i];
                if (config.eosTokenId() == 2) {
                    if (id > ids[b * length + pos]) pos = i;
                } else if (id == config.eosTokenId()) {
                    pos = i;
                    break;
                }
            }
            rows.add(last.get(b, pos));
        }
        return NDArrays.stack(rows, 0);
    }

    /** transformers' causal mask: 0 on and below the diagonal, the dtype's lowest finite value above it. */
    static NDArray causalMask(NDManager manager, long length, DataType dtype) {
        float min = dtype == DataType.FLOAT16 ? -65504f : -Float.MAX_VALUE;
        int n = Math.toIntExact(length);
        float[] v = new float[n * n];
        for (int i = 0; i < n; i++) for (int j = i + 1; j < n; j++) v[i * n + j] = min;
        NDArray m = manager.create(v, new Shape(length, length));
        return dtype == DataType.FLOAT32 ? m : m.toType(dtype, false);
    }

    public CLIPTextConfig config() {
        return config;
    }
}
