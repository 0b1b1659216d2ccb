package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Linear;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * diffusers' SD3Transformer2DModel (transformers/transformer_sd3.py), the MMDiT of Stable Diffusion 3 / 3.5: latent
 * patches and text tokens run as two streams through joint transformer blocks, conditioned on the timestep and the
 * pooled text embedding; the image stream is projected back to patches and unpatchified to the latent's shape.
 *
 * <p>Latent sizes must be multiples of the patch size (refused otherwise: diffusers would silently return a smaller
 * tensor) and at most {@code pos_embed_max_size} patches per side. Inputs are cast to the weights' dtype. Every block
 * runs in its own memory scope; the result belongs to the input's manager and nothing else of the call is kept.
 */
public final class SD3Transformer2DModel {
    /** The persistent sincos buffer: stored in checkpoints, but not a trained parameter. */
    static final String POS_EMBED_BUFFER = "pos_embed.pos_embed";
    private final SD3Transformer2DModelConfig config;
    private final StateDict weights;
    private final PatchEmbed posEmbed;
    private final CombinedTimestepTextProjEmbeddings timeTextEmbed;
    private final Linear contextEmbedder;
    private final List<JointTransformerBlock> transformerBlocks = new ArrayList<>();
    private final AdaLayerNormContinuous normOut;
    private final Linear projOut;

    /** Builds the blocks the config describes, taking each block's tensors from {@code weights} by checkpoint name. */
    public SD3Transformer2DModel(StateDict weights, SD3Transformer2DModelConfig config) {
        this.config = config;
        this.weights = weights;
        int dim = config.innerDim(), p = config.patchSize();
        posEmbed = new PatchEmbed(weights, "pos_embed", config.inChannels(), dim, p, config.posEmbedMaxSize(), config.baseSize());
        timeTextEmbed = new CombinedTimestepTextProjEmbeddings(weights, "time_text_embed", dim, config.pooledProjectionDim());
        contextEmbedder = new Linear(weights, "context_embedder", config.jointAttentionDim(), config.captionProjectionDim(), true);
        for (int i = 0; i < config.numLayers(); i++) {
            transformerBlocks.add(new JointTransformerBlock(weights, "transformer_blocks." + i, dim, config.numAttentionHeads(),
                    config.attentionHeadDim(), i == config.numLayers() - 1, config.qkNorm(), config.dualAttentionLayers().contains(i)));
        }
        normOut = new AdaLayerNormContinuous(weights, "norm_out", dim, dim);
        projOut = new Linear(weights, "proj_out", dim, p * p * config.outChannels(), true);
    }

    /**
     * Loads a diffusers {@code transformer/} folder: {@code config.json} and the safetensors weights, refusing (with
     * {@link io.prism.engine.diffusers.InvalidCheckpointException}) unknown settings, missing or mis-shaped tensors and
     * tensors the architecture does not use.
     *
     * @param variant  null, or e.g. "fp16" to prefer {@code diffusion_pytorch_model.fp16.safetensors}
     * @param dtype    FLOAT32 or FLOAT16 compute dtype (bf16 checkpoints are widened)
     * @param writable copy the weights instead of aliasing the mapped file (for training)
     */
    public static SD3Transformer2DModel load(Path transformerDir, String variant, NDManager manager, DataType dtype, boolean writable) {
        SD3Transformer2DModelConfig config = SD3Transformer2DModelConfig.read(transformerDir.resolve("config.json"));
        SD3Transformer2DModel model = new SD3Transformer2DModel(StateDict.load(transformerDir, variant, manager, dtype, writable), config);
        model.weights.requireAllUsed();
        return model;
    }

    /**
     * hidden (N, in_channels, H, W), one timestep per sample (the scheduler's σ·1000), encoderHiddenStates
     * (N, Lc, joint_attention_dim), pooledProjections (N, pooled_projection_dim) → (N, out_channels, H, W).
     */
    public NDArray forward(NDArray hidden, float[] timesteps, NDArray encoderHiddenStates, NDArray pooledProjections) {
        return forward(hidden, timesteps, encoderHiddenStates, pooledProjections, null);
    }

    /**
     * As {@link #forward(NDArray, float[], NDArray, NDArray)}, showing sub-results to {@code intermediates} under
     * diffusers' module names while they are alive ("pos_embed.proj", "pos_embed", "time_text_embed",
     * "context_embedder", "transformer_blocks.&lt;i&gt;.0" = context and ".1" = image after block i, block internals
     * (see {@link JointTransformerBlock#forward}), "norm_out", "proj_out"); the consumer must copy what it keeps.
     */
    public NDArray forward(NDArray hidden, float[] timesteps, NDArray encoderHiddenStates, NDArray pooledProjections,
                           BiConsumer<String, NDArray> intermediates) {
        return forward(hidden, timesteps, null, encoderHiddenStates, pooledProjections, intermediates);
    }

    /** The forward pass; {@code timeProj} (N, 256), when given, replaces the timesteps' sinusoid (tests feed diffusers' own). */
    NDArray forward(NDArray hidden, float[] timesteps, NDArray timeProj, NDArray encoderHiddenStates, NDArray pooledProjections,
                    BiConsumer<String, NDArray> intermediates) {
        Shape s = hidden.getShape();
        if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("expected a latent (N, " + config.inChannels() + ", H, W), got " + s);
        }
        long n = s.get(0);
        if (timesteps.length != n) throw new IllegalArgumentException(timesteps.length + " timesteps for a batch of " + n);
        if (encoderHiddenStates.getShape().get(0) != n || pooledProjections.getShape().get(0) != n) {
            throw new IllegalArgumentException("text conditioning batch " + encoderHiddenStates.getShape() + " / "
                    + pooledProjections.getShape() + " does not match the latent batch " + n);
        }
        NDManager parent = hidden.getManager();
        try (NDManager call = parent.newSubManager()) {
            NDArray x = inCall(hidden, call), context = inCall(encoderHiddenStates, call), pooled = inCall(pooledProjections, call);
            NDArray tokens = posEmbed.forward(x, intermediates);                        // (N, h·w, D)
            probe(intermediates, "pos_embed", tokens);
            NDArray temb = timeProj == null ? timeTextEmbed.forward(timesteps, pooled, intermediates)   // (N, D)
                    : timeTextEmbed.forward(inCall(timeProj, call), pooled, intermediates);
            context = contextEmbedder.forward(context);                                 // (N, Lc, D)
            probe(intermediates, "context_embedder", context);

            for (int i = 0; i < transformerBlocks.size(); i++) {
                NDList out = runBlock(i, tokens, context, temb, intermediates);
                tokens = out.get(0);
                if (out.size() > 1) {
                    context = out.get(1);
                    probe(intermediates, "transformer_blocks." + i + ".0", context);
                }
                probe(intermediates, "transformer_blocks." + i + ".1", tokens);
            }

            tokens = normOut.forward(tokens, temb);
            probe(intermediates, "norm_out", tokens);
            tokens = projOut.forward(tokens);                                           // (N, h·w, p·p·c)
            probe(intermediates, "proj_out", tokens);
            NDArray out = unpatchify(tokens, s.get(2), s.get(3));
            out.attach(parent);
            return out;
        }
    }

    /** Block i in its own memory scope: only its outputs survive it. */
    private NDList runBlock(int i, NDArray tokens, NDArray context, NDArray temb, BiConsumer<String, NDArray> intermediates) {
        NDManager parent = tokens.getManager();
        try (NDManager scope = parent.newSubManager()) {
            tokens.tempAttach(scope);
            context.tempAttach(scope);
            temb.tempAttach(scope);
            NDList out = transformerBlocks.get(i).forward(tokens, context, temb, "transformer_blocks." + i, intermediates);
            out.attach(parent);
            return out;
        }
    }

    /** (N, h·w, p·p·c) → (N, c, h·p, w·p): token (y, x) holds its patch as (p, q, c) (diffusers' einsum nhwpqc→nchpwq). */
    private NDArray unpatchify(NDArray tokens, long height, long width) {
        int p = config.patchSize(), c = config.outChannels();
        long n = tokens.getShape().get(0), h = height / p, w = width / p;
        return tokens.reshape(n, h, w, p, p, c).transpose(0, 5, 1, 3, 2, 4).reshape(n, c, h * p, w * p);
    }

    private NDArray inCall(NDArray x, NDManager call) {
        x.tempAttach(call);
        return x.getDataType() == weights.dtype() ? x : x.toType(weights.dtype(), false);
    }

    private static void probe(BiConsumer<String, NDArray> intermediates, String name, NDArray value) {
        if (intermediates != null) intermediates.accept(name, value);
    }

    public SD3Transformer2DModelConfig config() {
        return config;
    }

    /** The trained parameters by checkpoint name, in construction order (the position-table buffer excluded). */
    public Map<String, NDArray> parameters() {
        Map<String, NDArray> p = new LinkedHashMap<>(weights.parameters());
        p.remove(POS_EMBED_BUFFER);
        return Collections.unmodifiableMap(p);
    }

    /** Every stored tensor by checkpoint name (the parameters and the position-table buffer): what a saved checkpoint holds. */
    public Map<String, NDArray> tensors() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(weights.parameters()));
    }

    /** Number of trained parameters, as diffusers counts {@code model.parameters()} (buffers excluded). */
    public long parameterCount() {
        long count = 0;
        for (NDArray a : parameters().values()) count += a.getShape().size();
        return count;
    }
}
