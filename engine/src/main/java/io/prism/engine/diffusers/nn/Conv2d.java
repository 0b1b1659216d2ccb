package io.prism.engine.diffusers.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;

/** torch.nn.Conv2d with square kernel, stride and symmetric zero padding: {@code <prefix>.weight} (O, I, k, k), {@code .bias}. */
public final class Conv2d {
    private final NDArray weight;
    private final NDArray bias;
    private final Shape stride;
    private final Shape padding;
    private final Shape dilation = new Shape(1, 1);

    public Conv2d(StateDict sd, String prefix, int in, int out, int kernel, int stride, int padding) {
        this.weight = sd.get(prefix + ".weight", out, in, kernel, kernel);
        this.bias = sd.get(prefix + ".bias", out);
        this.stride = new Shape(stride, stride);
        this.padding = new Shape(padding, padding);
    }

    /** (N, I, H, W) → (N, O, H', W'). */
    public NDArray forward(NDArray x) {
        return ai.djl.nn.convolutional.Conv2d.conv2d(x, weight, bias, stride, padding, dilation, 1).singletonOrThrow();
    }

    public NDArray weight() {
        return weight;
    }
}
