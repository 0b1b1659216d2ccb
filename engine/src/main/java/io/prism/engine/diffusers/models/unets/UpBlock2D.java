package io.prism.engine.diffusers.models.unets;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.ResnetBlock2D;
import io.prism.engine.diffusers.models.Upsample2D;
import io.prism.engine.diffusers.nn.Functional;

import java.util.ArrayList;
import java.util.List;

/**
 * diffusers' UpBlock2D (unet_2d_blocks.py): per resnet, {@code cat([h, skip], dim=1)} with the last remaining skip,
 * then the resnet; then an optional nearest-neighbour upsampler + conv3×3.
 */
public final class UpBlock2D implements UNetUpBlock {
    private final List<ResnetBlock2D> resnets = new ArrayList<>();
    private final Upsample2D upsampler;
    private final int[] resnetIn;
    private final int out;
    private final int temb;

    /**
     * @param in                 channels of the down level this block mirrors (its last resnet's skip width)
     * @param prevOutputChannel  channels of the incoming hidden state
     */
    public UpBlock2D(StateDict sd, String prefix, int in, int prevOutputChannel, int out, int tembChannels, int numLayers,
                     float resnetEps, int resnetGroups, boolean addUpsample) {
        this.out = out;
        this.temb = tembChannels;
        resnetIn = new int[numLayers];
        for (int i = 0; i < numLayers; i++) {
            int skip = i == numLayers - 1 ? in : out;
            resnetIn[i] = (i == 0 ? prevOutputChannel : out) + skip;
            resnets.add(new ResnetBlock2D(sd, prefix + ".resnets." + i, resnetIn[i], out, tembChannels, resnetGroups, resnetEps, 1f));
        }
        upsampler = addUpsample ? new Upsample2D(sd, prefix + ".upsamplers.0", out) : null;
    }

    @Override
    public int numResnets() {
        return resnets.size();
    }

    @Override
    public NDArray forward(NDArray h, List<NDArray> resHiddenStates, NDArray temb, NDArray context, long[] upsampleSize) {
        for (int i = 0; i < resnets.size(); i++) {
            ResnetBlock2D resnet = resnets.get(i);
            NDArray skip = resHiddenStates.get(resHiddenStates.size() - 1 - i);
            h = Functional.scoped(new NDList(h, temb, skip), l -> resnet.forward(l.get(0).concat(l.get(2), 1), l.get(1)));
        }
        if (upsampler != null) h = Functional.scoped(new NDList(h), l -> upsampler.forward(l.get(0), upsampleSize));
        return h;
    }

    @Override
    public double flops(long h, long w, long outH, long outW, long textTokens) {
        double f = 0;
        for (int c : resnetIn) f += Flops.resnet(c, out, temb, h, w);
        if (upsampler != null) f += Flops.conv(out, out, 3, outH, outW);
        return f;
    }
}
