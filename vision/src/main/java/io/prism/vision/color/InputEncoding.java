package io.prism.vision.color;

import io.prism.vision.exr.Chromaticities;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * How a model takes its image, and the one colour pipeline that produces it. Every path that feeds a model
 * (prediction, training data, evaluation, the worker) and the contact sheet's beauty preview go through
 * {@link #encode}:
 *
 * <ol>
 *   <li>the frame's beauty as {@link io.prism.vision.exr.BeautyLayer} extracts it: luminance/chroma converted, the
 *       file's primaries ({@code chromaticities}; absent = Rec.709) converted to Prism's working space, linear
 *       Rec.709 / D65 ({@link Primaries#WORKING});</li>
 *   <li>working space → the model's {@link #primaries} by the 3×3 matrix {@link Primaries#conversion} (the identity
 *       for Rec.709 models);</li>
 *   <li>the {@link #toneMap} per channel (scene-linear → [0, 1]);</li>
 *   <li>the {@link #transfer} function (sRGB encoding, or none).</li>
 * </ol>
 * The result is R, G, B; alpha is not part of the model's input (the colour stays premultiplied, as rendered: what
 * the renderer composited over black).
 *
 * <p>Each model declares its encoding: compact checkpoints in model.json ({@code inputEncoding}), imported diffusers
 * models in the settings {@code prism models import} writes. Both default to {@link #DEFAULT}, what the shipped
 * models were trained with and the nearest match to what Marigold (fine-tuned Stable Diffusion) was trained on:
 * sRGB-encoded photographs and tone-mapped renders.
 *
 * @param primaries the model's working primaries, a {@link Chromaticities#named} space ("rec709", "acescg", …)
 * @param toneMap   scene-linear → [0, 1]
 * @param transfer  the transfer function applied last
 */
public record InputEncoding(String primaries, ToneMap toneMap, Transfer transfer) {
    /** Rec.709 primaries, the {@link ToneMap#SHOULDER} tone curve, sRGB transfer. */
    public static final InputEncoding DEFAULT = new InputEncoding("rec709", ToneMap.SHOULDER, Transfer.SRGB);

    /** The last step of the encoding. */
    public enum Transfer {
        /** IEC 61966-2-1 ({@link Srgb#encode}). */
        SRGB,
        /** None: the model takes (tone-mapped) linear values. */
        LINEAR;

        public String settingName() {
            return name().toLowerCase(Locale.ROOT);
        }

        public static Transfer ofSetting(String name) {
            for (Transfer t : values()) if (t.settingName().equalsIgnoreCase(name == null ? "" : name.trim())) return t;
            throw new IllegalArgumentException("unknown transfer '" + name + "' (srgb, linear)");
        }
    }

    public InputEncoding {
        primaries = primaries.trim().toLowerCase(Locale.ROOT);
        Chromaticities.named(primaries);
        if (toneMap == null || transfer == null) throw new IllegalArgumentException("an input encoding needs a tone map and a transfer");
    }

    /** From the setting names of a model.json / import settings; null parts take {@link #DEFAULT}'s. */
    public static InputEncoding of(String primaries, String toneMap, String transfer) {
        return new InputEncoding(primaries == null ? DEFAULT.primaries : primaries,
                toneMap == null ? DEFAULT.toneMap : ToneMap.ofSetting(toneMap),
                transfer == null ? DEFAULT.transfer : Transfer.ofSetting(transfer));
    }

    /** The model's working primaries. */
    public Chromaticities chromaticities() {
        return Chromaticities.named(primaries);
    }

    /** The matrix from Prism's working space (linear Rec.709) to the model's primaries. */
    public double[][] matrix() {
        return Primaries.conversion(Primaries.WORKING, chromaticities());
    }

    /** One line for logs and labels: "primaries rec709, tone map shoulder, transfer srgb". */
    public String describe() {
        return "primaries " + primaries + ", tone map " + toneMap.settingName() + ", transfer " + transfer.settingName();
    }

    /**
     * The model's input from a beauty in Prism's working space: linear R, G, B[, A] (or grey Y[, A]) → R, G, B.
     *
     * @throws IllegalArgumentException without colour channels, or on a NaN / infinite pixel (named)
     */
    public FloatImage encode(FloatImage working) {
        FloatImage rgb = Primaries.apply(requireFinite(colour(working, "beauty"), "beauty"), matrix());
        float[][] out = new float[3][];
        for (int c = 0; c < 3; c++) {
            float[] p = rgb.planes()[c];
            float[] o = new float[p.length];
            for (int i = 0; i < p.length; i++) {
                float t = toneMap.apply(p[i]);
                o[i] = transfer == Transfer.SRGB ? Srgb.encode(t) : t;
            }
            out[c] = o;
        }
        return new FloatImage(rgb.width(), rgb.height(), List.of("R", "G", "B"), out);
    }

    /**
     * The model's input from an image file: OpenEXR through {@link ImageFiles#readBeauty} (the beauty layer, file
     * primaries → working space) and {@link #encode}; PNG/TIFF/JPEG through {@link #encodeDisplay}.
     *
     * @param beautyLayer a part, layer or view name, or null for {@code PRISM_BEAUTY_LAYER} / the default rules
     */
    public FloatImage read(Path file, String beautyLayer) throws IOException {
        FloatImage img = ImageFiles.readBeauty(file, beautyLayer);
        return ImageFiles.isSceneLinear(file) ? encode(img) : encodeDisplay(img);
    }

    /** {@link #read(Path, String)} for an upload or blob in memory. */
    public FloatImage read(byte[] data, String name, String beautyLayer) throws IOException {
        FloatImage img = ImageFiles.readBeauty(data, name, beautyLayer);
        return ImageFiles.isSceneLinear(data) ? encode(img) : encodeDisplay(img);
    }

    /**
     * The model's input from a display-referred image (PNG/TIFF/JPEG: sRGB-encoded Rec.709 values in [0, 1]): passed
     * as it is to an sRGB / Rec.709 model (it is already tone-mapped); otherwise decoded, converted to the model's
     * primaries and given the model's transfer (no tone map).
     */
    public FloatImage encodeDisplay(FloatImage srgb) {
        FloatImage rgb = colour(srgb, "image");
        if (transfer == Transfer.SRGB && chromaticities().equals(Primaries.WORKING)) return requireFinite(rgb, "image");
        FloatImage linear = Primaries.apply(Srgb.decode(rgb), matrix());
        return requireFinite(transfer == Transfer.SRGB ? Srgb.encode(linear) : linear, "image");
    }

    /**
     * The colour channels of an image as R, G, B: R, G, B as they are, grey Y as three equal planes. Anything else
     * is refused: which channels are colour is {@link io.prism.vision.exr.BeautyLayer}'s call, never a rename.
     */
    public static FloatImage colour(FloatImage img, String what) {
        if (img.has("R") && img.has("G") && img.has("B")) return img.select(List.of("R", "G", "B"));
        if (img.has("Y") && !img.has("RY") && !img.has("BY")) {
            float[] y = img.plane("Y");
            return new FloatImage(img.width(), img.height(), List.of("R", "G", "B"), new float[][] {y.clone(), y.clone(), y.clone()});
        }
        throw new IllegalArgumentException(what + " must have colour channels R, G, B (or grey Y), got " + img.channels()
                + "; read frames with BeautyLayer / ImageFiles.readBeauty, which converts luminance/chroma and picks the layer");
    }

    /** Returns the image, or throws naming the first NaN / infinite pixel: "{what} has a non-finite pixel … at x=…, y=…". */
    public static FloatImage requireFinite(FloatImage img, String what) {
        for (int c = 0; c < img.channelCount(); c++) {
            float[] p = img.planes()[c];
            for (int i = 0; i < p.length; i++) {
                if (!Float.isFinite(p[i])) {
                    throw new IllegalArgumentException(what + " has a non-finite pixel (" + p[i] + ") in channel " + img.channels().get(c)
                            + " at x=" + (i % img.width()) + ", y=" + (i / img.width()));
                }
            }
        }
        return img;
    }
}
