package io.prism.worker.inference;

import io.prism.vision.image.FloatImage;
import java.util.Map;

/**
 * One frame's result for one task.
 *
 * @param result      albedo: R, G, B sRGB-encoded in [0, 1]; mask: Y in {0, 1}; depth: Z in [0, 1]; normals: X, Y, Z;
 *                    further layers of the same model as prefixed channels ({@code material.roughness}, {@code shading.R})
 * @param uncertainty the ensemble's spread, same channels; null when not computed
 * @param statistics  numbers recorded with the result (steps, ensemble size, mean uncertainty, ...)
 * @param preview     what the PNG preview shows (display-ready, sRGB in [0, 1]); null: the result itself
 */
public record TaskOutput(FloatImage result, FloatImage uncertainty, Map<String, Double> statistics, FloatImage preview) {

    public TaskOutput(FloatImage result, FloatImage uncertainty, Map<String, Double> statistics) {
        this(result, uncertainty, statistics, null);
    }
}
