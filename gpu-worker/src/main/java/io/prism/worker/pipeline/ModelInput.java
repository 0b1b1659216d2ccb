package io.prism.worker.pipeline;

import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A decoded frame before any model's encoding, and its encodings once made: each model is fed its own declared
 * {@link InputEncoding}, made once per frame and encoding however many tasks share it (every shipped model uses
 * {@link InputEncoding#DEFAULT}, so a frame is usually encoded once). The prepare stage makes the encodings the
 * serving models declare; the inference stage reads them, and makes one itself only when the model that takes the
 * batch declares an encoding not made yet (a swap to a model with another encoding, or a reprocessing request for a
 * version not loaded when the frame was prepared).
 */
public final class ModelInput {
    private final FloatImage image;
    private final boolean sceneLinear;
    private final Map<InputEncoding, FloatImage> encoded = new ConcurrentHashMap<>();

    private ModelInput(FloatImage image, boolean sceneLinear) {
        this.image = image;
        this.sceneLinear = sceneLinear;
    }

    /** An EXR beauty: linear R, G, B in Prism's working space (what {@code BeautyLayer} extracts), finite. */
    public static ModelInput sceneLinear(FloatImage working) {
        return new ModelInput(working, true);
    }

    /** A PNG/TIFF/JPEG frame: display-referred sRGB-encoded Rec.709 R, G, B in [0, 1]. */
    public static ModelInput displayReferred(FloatImage srgb) {
        return new ModelInput(srgb, false);
    }

    /** The decoded R, G, B: linear working space when {@link #sceneLinear()}, else the file's sRGB values. */
    public FloatImage image() {
        return image;
    }

    public boolean sceneLinear() {
        return sceneLinear;
    }

    /** Whether the frame has been encoded in {@code encoding} already. */
    public boolean has(InputEncoding encoding) {
        return encoded.containsKey(encoding);
    }

    /**
     * The frame in a model's encoding, made on the first call for that encoding (vision's {@link InputEncoding#encode}
     * for a scene-linear frame, {@link InputEncoding#encodeDisplay} for a display-referred one) and shared after.
     */
    public FloatImage in(InputEncoding encoding) {
        return encoded.computeIfAbsent(encoding, e -> sceneLinear ? e.encode(image) : e.encodeDisplay(image));
    }
}
