package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.Downsample2D;
import io.prism.engine.diffusers.models.ResnetBlock2D;
import io.prism.engine.diffusers.nn.Functional;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' CrossAttnDownBlock2D (unet_2d_blocks.py): (resnet → Transformer2DModel) × layers, each pair's output a
 * skip for the up path, then an optional stride-2 conv downsampler whose output is a skip too.
 */
public final class CrossAttnDownBlock2D implements UNetDownBlock {
    private final List<Transformer2DModel> attentions = new ArrayList<>();
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Downsample2D downsampler;
    private final int in;
    private final int out;
    private final int temb;
    private final int downsamplePadding;

    /** @param transformerLayers BasicTransformerBlocks in each layer's Transformer2DModel (one entry per layer) */
    public CrossAttnDownBlock2D(StateDict sd, String prefix, int in, int out, int tembChannels, int numLayers,
                                List<Integer> transformerLayers, float resnetEps, int resnetGroups, int heads,
                                int crossAttentionDim, boolean addDownsample, int downsamplePadding,
                                boolean useLinearProjection, boolean onlyCrossAttention) {
        this.in = in;
        this.out = out;
        this.temb = tembChannels;
        this.downsamplePadding = downsamplePadding;
        // diffusers registers attentions before resnets: construction in that order keeps parameters() in state_dict order
        for (int i = 0; i < numLayers; i++) {
            attentions.add(new Transformer2DModel(sd, prefix + ".attentions." + i, heads, out, transformerLayers.get(i),
                    crossAttentionDim, resnetGroups, useLinearProjection, onlyCrossAttention));
        }
        for (int i = 0; i < numLayers; i++) {
            resnets.add(new ResnetBlock2D(sd, prefix + ".resnets." + i, i == 0 ? in : out, out, tembChannels, resnetGroups, resnetEps, 1f));
        }
        downsampler = addDownsample ? new Downsample2D(sd, prefix + ".downsamplers.0", out, downsamplePadding) : null;
    }

    @Override
    public NDArray forward(NDArray h, NDArray temb, NDArray context, List<NDArray> skips) {
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock2D resnet = resnets.get(i);
            Transformer2DModel attn = attentions.get(i);
            h = Functional.scoped(new NDList(h, temb), l -> resnet.forward(l.get(0), l.get(1)));
            h = Functional.scoped(new NDList(h, context), l -> attn.forward(l.get(0), l.get(1)));
            skips.add(h);
        }
        if (downsampler != null) {
            h = Functional.scoped(new NDList(h), l -> downsampler.forward(l.get(0)));   // (N, out, ⌈H/2⌉, ⌈W/2⌉) with padding 1
            skips.add(h);
        }
        return h;
    }

    @Override
    public double flops(long h, long w, long textTokens) {
        double f = 0;
        for (int i = 0; i < resnets.size(); i++) {
            f += Flops.resnet(i == 0 ? in : out, out, temb, h, w) + attentions.get(i).flops(h, w, textTokens);
        }
        if (downsampler != null) f += Flops.conv(out, out, 3, Flops.downsampled(h, downsamplePadding), Flops.downsampled(w, downsamplePadding));
        return f;
    }
}
