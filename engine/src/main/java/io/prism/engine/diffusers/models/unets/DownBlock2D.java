package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.Downsample2D;
import io.prism.engine.diffusers.models.ResnetBlock2D;
import io.prism.engine.diffusers.nn.Functional;

import java.util.ArrayList;
import java.util.List;

/** diffusers' DownBlock2D (unet_2d_blocks.py): resnets only, then an optional stride-2 conv downsampler. */
public final class DownBlock2D implements UNetDownBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Downsample2D downsampler;
    private final int in;
    private final int out;
    private final int temb;
    private final int downsamplePadding;

    public DownBlock2D(StateDict sd, String prefix, int in, int out, int tembChannels, int numLayers, float resnetEps,
                       int resnetGroups, boolean addDownsample, int downsamplePadding) {
        this.in = in;
        this.out = out;
        this.temb = tembChannels;
        this.downsamplePadding = downsamplePadding;
        for (int i = 0; i < numLayers; i++) {
            resnets.add(new ResnetBlock2D(sd, prefix + ".resnets." + i, i == 0 ? in : out, out, tembChannels, resnetGroups, resnetEps, 1f));
        }
        downsampler = addDownsample ? new Downsample2D(sd, prefix + ".downsamplers.0", out, downsamplePadding) : null;
    }

    @Override
    public NDArray forward(NDArray h, NDArray temb, NDArray context, List<NDArray> skips) {
        for (ResnetBlock2D resnet : resnets) {
            h = Functional.scoped(new NDList(h, temb), l -> resnet.forward(l.get(0), l.get(1)));
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
        for (int i = 0; i < resnets.size(); i++) f += Flops.resnet(i == 0 ? in : out, out, temb, h, w);
        if (downsampler != null) f += Flops.conv(out, out, 3, Flops.downsampled(h, downsamplePadding), Flops.downsampled(w, downsamplePadding));
        return f;
    }
}
