package io.prism.engine.diffusers.models.autoencoders;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import io.prism.engine.diffusers.nn.Functional;

import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;

/**
 * Runs the VAE's layers one after another, each in its own memory scope ({@link Functional#scoped}), and frees each
 * intermediate as soon as the next layer has consumed it. At 768² one 128-channel activation is 0.3 GB, so keeping a
 * block's outputs until its caller returns would hold several GB. The chain's input belongs to the caller and is never
 * freed here; the result is attached to the input's manager.
 */
final class Chain {
    private final NDArray input;
    private NDArray current;

    Chain(NDArray input) {
        this.input = input;
        this.current = input;
    }

    /** Applies {@code layer} to the current value; frees the previous intermediate. */
    Chain then(UnaryOperator<NDArray> layer) {
        NDArray next = Functional.scoped(new NDList(current), in -> layer.apply(in.singletonOrThrow()));
        if (current != input && current != next) current.close();
        current = next;
        return this;
    }

    /** Shows the current value to {@code intermediates} (if any) under {@code name}; it is freed later, so copy what you keep. */
    Chain record(BiConsumer<String, NDArray> intermediates, String name) {
        if (intermediates != null) intermediates.accept(name, current);
        return this;
    }

    NDArray result() {
        return current;
    }
}
