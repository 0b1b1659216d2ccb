package io.prism.engine;

import io.prism.vision.image.FloatImage;

import java.util.Map;

/**
 * One image's result.
 *
 * @param result      albedo: channels R, G, B, sRGB-encoded, in [0, 1]; mask: channel Y in {0, 1}; depth: channel Z in [0, 1]
 *                    (affine-invariant, 0 near); normals: channels X, Y, Z, unit vectors in camera space
 * @param uncertainty same channels: ensemble MAD (median reduction) or standard deviation (mean / masks);
 *                    zero for an ensemble of one
 * @param stats       how it was computed
 * @param layers      further layers the same model predicts, by name (Marigold-IID: "material" or "shading" and
 *                    "residual"), stored with the result; empty for single-target models
 */
public record Prediction(FloatImage result, FloatImage uncertainty, Stats stats, Map<String, FloatImage> layers) {

    public Prediction {
        layers = layers == null ? Map.of() : Map.copyOf(layers);
    }

    public Prediction(FloatImage result, FloatImage uncertainty, Stats stats) {
        this(result, uncertainty, stats, Map.of());
    }

    /**
     * @param processedWidth  width the model worked at (before padding)
     * @param processedHeight height the model worked at
     * @param tiles           tiles predicted (1 = whole frame)
     * @param steps           denoising steps
     * @param ensembleSize    members
     * @param batchSize       members per forward pass used
     * @param meanUncertainty mean of the uncertainty image
     * @param millis          wall time spent on this image's share of the batch
     */
    public record Stats(int processedWidth, int processedHeight, int tiles, int steps, int ensembleSize, int batchSize,
                        double meanUncertainty, double millis) {}
}
