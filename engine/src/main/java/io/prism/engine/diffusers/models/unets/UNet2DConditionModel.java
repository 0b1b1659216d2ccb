package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.TimestepEmbedding;
import io.prism.engine.diffusers.models.Timesteps;
import io.prism.engine.diffusers.nn.Conv2d;
import io.prism.engine.diffusers.nn.Functional;
import io.prism.engine.diffusers.nn.GroupNorm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * diffusers' UNet2DConditionModel (models/unets/unet_2d_condition.py) — the Stable Diffusion 2 denoiser Marigold
 * fine-tunes — built from a {@code unet/} folder's config and weights, parameter names as in the checkpoint.
 *
 * <p>Forward: sinusoidal timestep features → {@code time_embedding} MLP; {@code conv_in}; down blocks (every
 * resnet/attention output and downsampler output kept as a skip, {@code conv_in}'s output first); mid block; up blocks
 * that take their skips from the end of that list; GroupNorm → SiLU → {@code conv_out}. When the latent's height or
 * width is not a multiple of 2^(number of upsamplers), every upsampler interpolates to the exact size of the skip it
 * meets next instead of ×2, as diffusers does.
 *
 * <p>Memory: the whole pass runs in its own NDManager scope and every resnet, transformer sub-layer and resampler in a
 * nested one, so only the skips and the current hidden state stay resident; the result is attached to the manager
 * of {@code sample}. Forward is functional (no in-place ops), so requires-grad weights can be trained through it.
 */
public final class UNet2DConditionModel {
    private final UNet2DConditionConfig config;
    private final StateDict stateDict;
    private final Conv2d convIn;
    private final Timesteps timeProj;
    private final TimestepEmbedding timeEmbedding;
    private final List<UNetDownBlock> downBlocks = new ArrayList<>();
    private final UNetMidBlock2DCrossAttn midBlock;
    private final List<UNetUpBlock> upBlocks = new ArrayList<>();
    private final GroupNorm convNormOut;
    private final Conv2d convOut;

    /** Reads {@code unetDir/config.json} and the weights (see {@link StateDict#load}); refuses unused tensors. */
    public static UNet2DConditionModel load(Path unetDir, String variant, NDManager manager, DataType dtype, boolean writable) {
        Path configJson = unetDir.resolve("config.json");
        if (!Files.isRegularFile(configJson)) throw new InvalidCheckpointException(configJson + ": missing");
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(configJson);
        StateDict sd = StateDict.load(unetDir, variant, manager, dtype, writable);
        UNet2DConditionModel unet = new UNet2DConditionModel(sd, cfg);
        sd.requireAllUsed();
        return unet;
    }

    /** Builds the architecture of {@code cfg}, taking every weight from {@code sd} (a checkpoint or random weights). */
    public UNet2DConditionModel(StateDict sd, UNet2DConditionConfig cfg) {
        this.config = cfg;
        this.stateDict = sd;
        List<Integer> ch = cfg.blockOutChannels();
        int n = ch.size(), groups = cfg.normNumGroups(), temb = cfg.timeEmbeddingDim();
        float eps = cfg.normEps();

        convIn = new Conv2d(sd, "conv_in", cfg.inChannels(), ch.get(0), cfg.convInKernel(), 1, (cfg.convInKernel() - 1) / 2);
        timeProj = new Timesteps(ch.get(0), cfg.flipSinToCos(), cfg.freqShift());
        timeEmbedding = new TimestepEmbedding(sd, "time_embedding", ch.get(0), temb);

        int output = ch.get(0);
        for (int i = 0; i < n; i++) {
            int input = output;
            output = ch.get(i);
            boolean last = i == n - 1;
            String prefix = "down_blocks." + i;
            downBlocks.add(cfg.downBlockTypes().get(i).equals(UNet2DConditionConfig.CROSS_ATTN_DOWN)
                    ? new CrossAttnDownBlock2D(sd, prefix, input, output, temb, cfg.layersPerBlock().get(i),
                            cfg.transformerLayersPerBlock().get(i), eps, groups, cfg.numAttentionHeads().get(i),
                            cfg.crossAttentionDim().get(i), !last, cfg.downsamplePadding(), cfg.useLinearProjection(),
                            cfg.onlyCrossAttention().get(i))
                    : new DownBlock2D(sd, prefix, input, output, temb, cfg.layersPerBlock().get(i), eps, groups, !last,
                            cfg.downsamplePadding()));
        }

        midBlock = new UNetMidBlock2DCrossAttn(sd, "mid_block", ch.get(n - 1), temb, cfg.midBlockTransformerLayers(), eps,
                groups, cfg.midBlockScaleFactor(), cfg.numAttentionHeads().get(n - 1), cfg.crossAttentionDim().get(n - 1),
                cfg.useLinearProjection());

        output = ch.get(n - 1);
        for (int i = 0; i < n; i++) {
            int r = n - 1 - i;                                   // the down level this up block mirrors
            int prev = output;
            output = ch.get(r);
            int input = ch.get(Math.max(r - 1, 0));
            boolean last = i == n - 1;
            String prefix = "up_blocks." + i;
            int layers = cfg.layersPerBlock().get(r) + 1;
            upBlocks.add(cfg.upBlockTypes().get(i).equals(UNet2DConditionConfig.CROSS_ATTN_UP)
                    ? new CrossAttnUpBlock2D(sd, prefix, input, prev, output, temb, layers,
                            cfg.reverseTransformerLayersPerBlock().get(i), eps, groups, cfg.numAttentionHeads().get(r),
                            cfg.crossAttentionDim().get(r), !last, cfg.useLinearProjection(), cfg.onlyCrossAttention().get(r))
                    : new UpBlock2D(sd, prefix, input, prev, output, temb, layers, eps, groups, !last));
        }

        convNormOut = new GroupNorm(sd, "conv_norm_out", groups, ch.get(0), eps);
        convOut = new Conv2d(sd, "conv_out", ch.get(0), cfg.outChannels(), cfg.convOutKernel(), 1, (cfg.convOutKernel() - 1) / 2);
    }

    /**
     * The denoiser's prediction.
     *
     * @param sample               (N, in_channels, h, w) in the weights' dtype and device
     * @param timesteps            one per sample, or one for all
     * @param encoderHiddenStates  (N, L, cross_attention_dim): the text encoder's last hidden state
     * @return (N, out_channels, h, w), attached to {@code sample}'s manager
     */
    public NDArray forward(NDArray sample, float[] timesteps, NDArray encoderHiddenStates) {
        return forward(sample, timesteps, encoderHiddenStates, null);
    }

    /**
     * As {@link #forward(NDArray, float[], NDArray)}, also putting copies of the intermediate results into
     * {@code intermediates} (attached to {@code sample}'s manager) under diffusers' module names: {@code time_proj},
     * {@code time_embedding}, {@code conv_in}, {@code down_blocks.i} (after the downsampler), {@code mid_block},
     * {@code up_blocks.i}, {@code conv_norm_out} (before the SiLU), {@code conv_out}. For tests and debugging.
     */
    public NDArray forward(NDArray sample, float[] timesteps, NDArray encoderHiddenStates, Map<String, NDArray> intermediates) {
        float[] t = checkedTimesteps(sample, timesteps, encoderHiddenStates);
        NDManager caller = sample.getManager();
        return Functional.scoped(new NDList(sample, encoderHiddenStates),
                l -> run(l.get(0), t, l.get(1), intermediates == null ? null : new Recorder(intermediates, caller)));
    }

    /** Checks the input shapes and returns one timestep per sample (diffusers expands a single one to the batch). */
    private float[] checkedTimesteps(NDArray sample, float[] timesteps, NDArray encoderHiddenStates) {
        Shape s = sample.getShape(), e = encoderHiddenStates.getShape();
        int cross = config.crossAttentionDim().get(config.crossAttentionDim().size() - 1);   // the mid block's
        if (s.dimension() != 4 || s.get(1) != config.inChannels()) {
            throw new IllegalArgumentException("sample must be (N, " + config.inChannels() + ", h, w), got " + s);
        }
        if (e.dimension() != 3 || e.get(0) != s.get(0) || e.get(2) != cross) {
            throw new IllegalArgumentException("encoder_hidden_states must be (" + s.get(0) + ", L, " + cross + "), got " + e);
        }
        float[] t = timesteps;
        if (t.length == 1 && s.get(0) > 1) {
            t = new float[Math.toIntExact(s.get(0))];
            java.util.Arrays.fill(t, timesteps[0]);
        }
        if (t.length != s.get(0)) throw new IllegalArgumentException(timesteps.length + " timesteps for a batch of " + s.get(0));
        return t;
    }

    /**
     * Forward and backward with activation checkpointing per block: the forward pass runs without autograd and keeps
     * only each block's inputs (the time-embedding + conv_in stage, every down block, the mid block, every up block,
     * the output stage); the backward pass then recomputes one block at a time with autograd and back-propagates the
     * gradient of its outputs, so at most one block's activations are alive. The weights' gradients accumulate exactly
     * as after {@code backward(loss(forward(...)))} (up to float summation order); no gradient flows to the sample or
     * the context. Costs one more forward pass; saves the activation memory of all blocks but one.
     *
     * @param loss the scalar loss of the prediction (built with autograd ops on its argument)
     * @return the loss value, without a graph, attached to {@code sample}'s manager
     */
    public NDArray forwardBackwardCheckpointed(NDArray sample, float[] timesteps, NDArray encoderHiddenStates,
                                               Function<NDArray, NDArray> loss) {
        float[] t = checkedTimesteps(sample, timesteps, encoderHiddenStates);
        NDArray context = encoderHiddenStates;
        boolean gradBefore = Engines.gradMode(false);
        List<NDArray> values = new ArrayList<>();                      // every block input/output, by slot
        List<Segment> segments = new ArrayList<>();
        try (NDManager keep = sample.getManager().newSubManager()) {
            NDArray in = sample.duplicate();
            in.attach(keep);
            values.add(in);                                            // slot 0: the sample, which needs no gradient
            int[] pre = segment(values, segments, keep, context, new int[] {0}, l -> {
                NDArray x = config.centerInputSample() ? l.get(0).mul(2).sub(1) : l.get(0);
                NDArray tEmb = timeProj.forward(x.getManager(), t);
                if (tEmb.getDataType() != x.getDataType()) tEmb = tEmb.toType(x.getDataType(), false);
                return new NDList(timeEmbedding.forward(tEmb), convIn.forward(x));
            });
            int emb = pre[0], h = pre[1];
            List<Integer> skips = new ArrayList<>(List.of(h));
            for (UNetDownBlock block : downBlocks) {
                int[] out = segment(values, segments, keep, context, new int[] {h, emb}, l -> {
                    List<NDArray> sk = new ArrayList<>();
                    NDList o = new NDList(block.forward(l.get(0), l.get(1), context, sk));
                    o.addAll(sk);
                    return o;
                });
                h = out[0];
                for (int k = 1; k < out.length; k++) skips.add(out[k]);
            }
            h = segment(values, segments, keep, context, new int[] {h, emb},
                    l -> new NDList(midBlock.forward(l.get(0), l.get(1), context)))[0];
            long factor = 1L << config.numUpsamplers();
            Shape s = sample.getShape();
            boolean forwardUpsampleSize = s.get(2) % factor != 0 || s.get(3) % factor != 0;
            for (int i = 0; i < upBlocks.size(); i++) {
                UNetUpBlock block = upBlocks.get(i);
                int n = block.numResnets();
                int[] ins = new int[2 + n];
                ins[0] = h;
                ins[1] = emb;
                for (int k = 0; k < n; k++) ins[2 + k] = skips.get(skips.size() - n + k);
                skips.subList(skips.size() - n, skips.size()).clear();
                long[] upsampleSize = null;
                if (i < upBlocks.size() - 1 && forwardUpsampleSize) {
                    Shape next = values.get(skips.get(skips.size() - 1)).getShape();
                    upsampleSize = new long[] {next.get(2), next.get(3)};
                }
                long[] size = upsampleSize;
                h = segment(values, segments, keep, context, ins,
                        l -> new NDList(block.forward(l.get(0), new ArrayList<>(l.subList(2, l.size())), l.get(1), context, size)))[0];
            }
            int out = segment(values, segments, keep, context, new int[] {h},
                    l -> new NDList(convOut.forward(Functional.silu(convNormOut.forward(l.get(0))))))[0];

            // the loss and its gradient with respect to the prediction
            NDArray[] grads = new NDArray[values.size()];
            NDArray lossValue;
            try (NDManager sub = keep.newSubManager()) {
                NDArray pred = values.get(out).duplicate();
                pred.attach(sub);
                pred.setRequiresGradient(true);
                Engines.gradMode(true);
                NDArray l = loss.apply(pred);
                Engines.gradMode(false);
                JniUtils.backward((PtNDArray) l, (PtNDArray) l.onesLike(), false, false);
                grads[out] = keepCopy(pred.getGradient(), keep);
                lossValue = l.duplicate();
                lossValue.attach(sample.getManager());
            }
            // back through the blocks, recomputing each
            for (int k = segments.size() - 1; k >= 0; k--) {
                Segment seg = segments.get(k);
                try (NDManager sub = keep.newSubManager()) {
                    context.tempAttach(sub);
                    NDList inputs = new NDList();
                    for (int slot : seg.in()) {
                        NDArray c = values.get(slot).duplicate();
                        c.attach(sub);
                        if (slot != 0) c.setRequiresGradient(true);
                        inputs.add(c);
                    }
                    Engines.gradMode(true);
                    NDList outs = seg.body().apply(inputs);
                    NDArray surrogate = null;                      // Σ out·dL/dout: its backward is backward(out, dL/dout)
                    for (int j = 0; j < outs.size(); j++) {
                        NDArray g = grads[seg.out()[j]];
                        if (g == null) continue;
                        NDArray term = outs.get(j).mul(g).sum();
                        surrogate = surrogate == null ? term : surrogate.add(term);
                    }
                    Engines.gradMode(false);
                    JniUtils.backward((PtNDArray) surrogate, (PtNDArray) surrogate.onesLike(), false, false);
                    for (int j = 0; j < seg.in().length; j++) {
                        int slot = seg.in()[j];
                        if (slot == 0) continue;
                        NDArray g = keepCopy(inputs.get(j).getGradient(), keep);
                        if (grads[slot] == null) grads[slot] = g;
                        else {
                            grads[slot].addi(g);
                            g.close();
                        }
                    }
                }
            }
            return lossValue;
        } finally {
            Engines.gradMode(gradBefore);
        }
    }

    /** A block of the checkpointed pass: the value slots it reads and writes, and how it computes. */
    private record Segment(int[] in, int[] out, Function<NDList, NDList> body) {}

    /** Runs a segment without autograd, keeping its outputs as new value slots; its temporaries are freed at once. */
    private static int[] segment(List<NDArray> values, List<Segment> segments, NDManager keep, NDArray context, int[] in,
                                 Function<NDList, NDList> body) {
        int[] out;
        try (NDManager sub = keep.newSubManager()) {
            context.tempAttach(sub);
            NDList inputs = new NDList();
            for (int slot : in) {
                NDArray v = values.get(slot);
                v.tempAttach(sub);
                inputs.add(v);
            }
            NDList outs = body.apply(inputs);
            out = new int[outs.size()];
            for (int j = 0; j < outs.size(); j++) {
                NDArray o = outs.get(j);
                o.attach(keep);
                out[j] = values.size();
                values.add(o);
            }
        }
        segments.add(new Segment(in, out, body));
        return out;
    }

    private static NDArray keepCopy(NDArray gradient, NDManager keep) {
        NDArray copy = gradient.duplicate();
        copy.attach(keep);
        gradient.close();
        return copy;
    }

    private NDArray run(NDArray sample, float[] timesteps, NDArray context, Recorder rec) {
        if (config.centerInputSample()) sample = sample.mul(2).sub(1);

        // 1. time: float32 sinusoidal features, cast to the compute dtype as diffusers does
        NDArray tEmb = timeProj.forward(sample.getManager(), timesteps);                 // (N, C0)
        if (tEmb.getDataType() != sample.getDataType()) tEmb = tEmb.toType(sample.getDataType(), false);
        record(rec, "time_proj", tEmb);
        NDArray emb = timeEmbedding.forward(tEmb);                                       // (N, temb)
        record(rec, "time_embedding", emb);

        // 2. pre-process
        NDArray h = convIn.forward(sample);                                              // (N, C0, h, w)
        record(rec, "conv_in", h);

        // 3. down: the skips are conv_in's output and every output state of every down block, in order
        List<NDArray> skips = new ArrayList<>();
        skips.add(h);
        for (int i = 0; i < downBlocks.size(); i++) {
            h = downBlocks.get(i).forward(h, emb, context, skips);
            record(rec, "down_blocks." + i, h);
        }

        // 4. mid
        h = midBlock.forward(h, emb, context);
        record(rec, "mid_block", h);

        // 5. up: explicit upsampling sizes when the latent is not a multiple of the total up factor
        long factor = 1L << config.numUpsamplers();
        Shape s = sample.getShape();
        boolean forwardUpsampleSize = s.get(2) % factor != 0 || s.get(3) % factor != 0;
        for (int i = 0; i < upBlocks.size(); i++) {
            UNetUpBlock block = upBlocks.get(i);
            List<NDArray> res = new ArrayList<>(skips.subList(skips.size() - block.numResnets(), skips.size()));
            skips.subList(skips.size() - block.numResnets(), skips.size()).clear();
            long[] upsampleSize = null;
            if (i < upBlocks.size() - 1 && forwardUpsampleSize) {
                Shape next = skips.get(skips.size() - 1).getShape();
                upsampleSize = new long[] {next.get(2), next.get(3)};
            }
            h = block.forward(h, res, emb, context, upsampleSize);
            record(rec, "up_blocks." + i, h);
        }

        // 6. post-process
        h = convNormOut.forward(h);
        record(rec, "conv_norm_out", h);
        h = convOut.forward(Functional.silu(h));                                         // (N, out_channels, h, w)
        record(rec, "conv_out", h);
        return h;
    }

    /** Where intermediates go: copies attached to the caller's manager, so they outlive the forward pass's scope. */
    private record Recorder(Map<String, NDArray> into, NDManager manager) {}

    private static void record(Recorder rec, String name, NDArray x) {
        if (rec == null) return;
        NDArray copy = x.duplicate();
        copy.attach(rec.manager());
        rec.into().put(name, copy);
    }

    public UNet2DConditionConfig config() {
        return config;
    }

    /** Every weight by checkpoint name, in construction order (diffusers' state_dict order). */
    public Map<String, NDArray> parameters() {
        return stateDict.parameters();
    }

    public long parameterCount() {
        return stateDict.parameterCount();
    }

    /**
     * Analytic floating-point operations (2 × multiply-adds) of one forward pass at latent h×w, batch 1, with
     * {@code textTokens} text tokens: every convolution (padding taps included), every linear layer (time embedding,
     * resnet time projections, transformer projections, q/k/v/out, GEGLU) and the attention matmuls q·kᵀ and
     * softmax·v. Norms, activations, softmax, residual additions and interpolation are not counted (under 1 %).
     * Batch N costs N times this.
     */
    public double flopsPerForward(int h, int w, int textTokens) {
        List<Integer> ch = config.blockOutChannels();
        int n = ch.size();
        double f = Flops.linear(ch.get(0), config.timeEmbeddingDim(), 1)
                + Flops.linear(config.timeEmbeddingDim(), config.timeEmbeddingDim(), 1)
                + Flops.conv(config.inChannels(), ch.get(0), config.convInKernel(), h, w);
        long[] hs = new long[n], ws = new long[n];                 // spatial size of each level
        hs[0] = h;
        ws[0] = w;
        for (int i = 0; i < n; i++) {
            f += downBlocks.get(i).flops(hs[i], ws[i], textTokens);
            if (i < n - 1) {
                hs[i + 1] = Flops.downsampled(hs[i], config.downsamplePadding());
                ws[i + 1] = Flops.downsampled(ws[i], config.downsamplePadding());
            }
        }
        f += midBlock.flops(hs[n - 1], ws[n - 1], textTokens);
        for (int i = 0; i < n; i++) {
            int r = n - 1 - i, next = Math.max(r - 1, 0);          // upsampled to the size of the next level's skips
            f += upBlocks.get(i).flops(hs[r], ws[r], hs[next], ws[next], textTokens);
        }
        return f + Flops.conv(ch.get(0), config.outChannels(), config.convOutKernel(), h, w);
    }
}
