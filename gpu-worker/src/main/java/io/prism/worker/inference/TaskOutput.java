package io.prism.worker.inference;

import io.prism.vision.image.FloatImage;
import java.util.Map;

/**
 * One frame's result for one task.
 *
 * @param result      albedo: R, G, B sRGB-encoded in [0, 1]; mask: Y in {0, 1}
 * @param uncertainty the ensemble's spread, same channels; null when not computed
 * @param statistics  numbers recorded with the result (steps, ensemble size, mean uncertainty, ...)
 */
public record TaskOutput(FloatImage result, FloatImage uncertainty, Map<String, Double> statistics) {}
