package io.prism.engine.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Group normalisation (Wu &amp; He 2018), which DJL lacks: normalise each group of channels over the
 * group's channels and all spatial positions, then a per-channel scale γ and shift β.
 * Input and output (N, C, H, W).
 */
public final class GroupNorm extends AbstractBlock {
    private final int channels;
    private final int groups;
    private final float eps;
    private final Parameter gamma;
    private final Parameter beta;

    public GroupNorm(int channels, int groups, float eps) {
        if (channels % groups != 0) {
            throw new IllegalArgumentException(channels + " channels are not divisible into " + groups + " groups");
        }
        this.channels = channels;
        this.groups = groups;
        this.eps = eps;
        this.gamma = addParameter(Parameter.builder().setName("gamma").setType(Parameter.Type.GAMMA)
                .optShape(new Shape(channels)).build());
        this.beta = addParameter(Parameter.builder().setName("beta").setType(Parameter.Type.BETA)
                .optShape(new Shape(channels)).build());
    }

    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray x = inputs.singletonOrThrow();
        Shape s = x.getShape();
        NDArray g = x.reshape(s.get(0), groups, -1);                      // (N, G, C/G·H·W)
        NDArray centered = g.sub(g.mean(new int[] {2}, true));
        NDArray var = centered.square().mean(new int[] {2}, true);
        NDArray y = centered.div(var.add(eps).sqrt()).reshape(s);        // back to (N, C, H, W)
        NDArray gm = ps.getValue(gamma, x.getDevice(), training).reshape(1, channels, 1, 1);
        NDArray bt = ps.getValue(beta, x.getDevice(), training).reshape(1, channels, 1, 1);
        return new NDList(y.mul(gm).add(bt));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {inputShapes[0]};
    }
}
