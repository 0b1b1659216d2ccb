package io.prism.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Prism's compact conditional UNet, laid out like SD's UNet2DConditionModel without text
 * cross-attention: conv_in → down levels (ResNet blocks, stride-2 conv) → mid (ResNet, self-attention,
 * ResNet) → up levels (ResNet blocks over concatenated skips, nearest ×2 + conv) → GroupNorm, SiLU, conv_out.
 * Inputs: x (N, inChannels, h, w) with h, w divisible by {@link UNetConfig#spatialMultiple()}, and t (N).
 * Output: (N, outChannels, h, w).
 */
public final class ConditionalUNet extends AbstractBlock {
    private final UNetConfig cfg;
    private final TimestepEmbedding timeEmbedding;
    private final Conv2d convIn;
    private final List<List<ResnetBlock>> down = new ArrayList<>();
    private final List<Conv2d> downsamplers = new ArrayList<>();
    private final ResnetBlock mid1;
    private final SelfAttention midAttention;
    private final ResnetBlock mid2;
    private final List<List<ResnetBlock>> up = new ArrayList<>();
    private final List<Conv2d> upsamplers = new ArrayList<>();
    private final GroupNorm normOut;
    private final Conv2d convOut;
    /** Child → (input channels, level) so initialisation can give each its shape. */
    private final List<Object[]> plan = new ArrayList<>();

    public ConditionalUNet(UNetConfig cfg) {
        this.cfg = cfg;
        List<Integer> ch = cfg.channels();
        int levels = ch.size();
        int g = cfg.groups();
        timeEmbedding = addChildBlock("time_embedding", new TimestepEmbedding(cfg.timeFeatures(), cfg.timeEmbedDim()));
        convIn = addChildBlock("conv_in", ResnetBlock.conv(ch.get(0), 3));
        plan.add(new Object[] {convIn, cfg.inChannels(), 0});

        List<Integer> skipChannels = new ArrayList<>();
        skipChannels.add(ch.get(0));
        int c = ch.get(0);
        for (int l = 0; l < levels; l++) {
            List<ResnetBlock> blocks = new ArrayList<>();
            for (int i = 0; i < cfg.resBlocksPerLevel(); i++) {
                ResnetBlock b = addChildBlock("down_" + l + "_res_" + i, new ResnetBlock(c, ch.get(l), g));
                plan.add(new Object[] {b, c, l});
                c = ch.get(l);
                blocks.add(b);
                skipChannels.add(c);
            }
            down.add(blocks);
            if (l < levels - 1) {
                Conv2d d = addChildBlock("down_" + l + "_downsample", Conv2d.builder().setFilters(c)
                        .setKernelShape(new Shape(3, 3)).optStride(new Shape(2, 2)).optPadding(new Shape(1, 1)).build());
                plan.add(new Object[] {d, c, l});
                downsamplers.add(d);
                skipChannels.add(c);
            }
        }
        int low = levels - 1;
        mid1 = addChildBlock("mid_res_0", new ResnetBlock(c, c, g));
        plan.add(new Object[] {mid1, c, low});
        midAttention = addChildBlock("mid_attention", new SelfAttention(c, g));
        plan.add(new Object[] {midAttention, c, low});
        mid2 = addChildBlock("mid_res_1", new ResnetBlock(c, c, g));
        plan.add(new Object[] {mid2, c, low});

        for (int l = levels - 1; l >= 0; l--) {
            List<ResnetBlock> blocks = new ArrayList<>();
            for (int i = 0; i <= cfg.resBlocksPerLevel(); i++) {
                int skip = skipChannels.remove(skipChannels.size() - 1);
                ResnetBlock b = addChildBlock("up_" + l + "_res_" + i, new ResnetBlock(c + skip, ch.get(l), g));
                plan.add(new Object[] {b, c + skip, l});
                c = ch.get(l);
                blocks.add(b);
            }
            up.add(blocks);
            if (l > 0) {
                Conv2d u = addChildBlock("up_" + l + "_upsample", ResnetBlock.conv(c, 3));
                plan.add(new Object[] {u, c, l - 1});            // runs after the ×2 nearest upsampling
                upsamplers.add(u);
            }
        }
        normOut = addChildBlock("conv_norm_out", new GroupNorm(c, g, 1e-5f));
        plan.add(new Object[] {normOut, c, 0});
        convOut = addChildBlock("conv_out", ResnetBlock.conv(cfg.outChannels(), 3));
        plan.add(new Object[] {convOut, c, 0});
    }

    public UNetConfig config() {
        return cfg;
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.get(0);
        NDArray t = inputs.get(1);
        long h = x.getShape().get(2), w = x.getShape().get(3);
        if (x.getShape().get(1) != cfg.inChannels()) {
            throw new IllegalArgumentException("UNet expects " + cfg.inChannels() + " input channels, got " + x.getShape());
        }
        if (h % cfg.spatialMultiple() != 0 || w % cfg.spatialMultiple() != 0) {
            throw new IllegalArgumentException("UNet input " + h + "x" + w + " is not a multiple of " + cfg.spatialMultiple());
        }
        NDArray temb = timeEmbedding.forward(ps, new NDList(t), training).singletonOrThrow();   // (N, E)
        NDArray s = Nn.call(convIn, ps, x, training);                                          // (N, c0, h, w)
        Deque<NDArray> skips = new ArrayDeque<>();
        skips.push(s);
        for (int l = 0; l < down.size(); l++) {
            for (ResnetBlock b : down.get(l)) {
                s = res(b, ps, s, temb, training);
                skips.push(s);
            }
            if (l < downsamplers.size()) {
                s = Nn.call(downsamplers.get(l), ps, s, training);                              // (N, c, h/2, w/2)
                skips.push(s);
            }
        }
        s = res(mid1, ps, s, temb, training);
        s = Nn.call(midAttention, ps, s, training);
        s = res(mid2, ps, s, temb, training);
        for (int i = 0; i < up.size(); i++) {
            for (ResnetBlock b : up.get(i)) {
                s = res(b, ps, NDArrays.concat(new NDList(s, skips.pop()), 1), temb, training);
            }
            if (i < upsamplers.size()) {
                s = s.repeat(2, 2).repeat(3, 2);                                                 // nearest ×2
                s = Nn.call(upsamplers.get(i), ps, s, training);
            }
        }
        s = Nn.silu(Nn.call(normOut, ps, s, training));
        return new NDList(Nn.call(convOut, ps, s, training));                                   // (N, out, h, w)
    }

    private static NDArray res(ResnetBlock b, ParameterStore ps, NDArray x, NDArray temb, boolean training) {
        return b.forward(ps, new NDList(x, temb), training).singletonOrThrow();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        Shape x = inputShapes[0];
        long n = x.get(0), h = x.get(2), w = x.get(3);
        timeEmbedding.initialize(manager, dataType, new Shape(n));
        Shape temb = new Shape(n, cfg.timeEmbedDim());
        for (Object[] p : plan) {
            Block b = (Block) p[0];
            int c = (Integer) p[1];
            int level = (Integer) p[2];
            Shape s = new Shape(n, c, h >> level, w >> level);
            if (b instanceof ResnetBlock) {
                b.initialize(manager, dataType, s, temb);
            } else {
                b.initialize(manager, dataType, s);
            }
        }
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        Shape x = inputShapes[0];
        return new Shape[] {new Shape(x.get(0), cfg.outChannels(), x.get(2), x.get(3))};
    }

    /** Names of parameters that start at zero so the fresh network is the identity on its residual paths. */
    public static boolean zeroInitialised(String parameterName) {
        return parameterName.contains("conv_out_") || parameterName.contains("conv2_") || parameterName.contains("to_out_");
    }
}
