package io.prism.ingest.validate;

import io.prism.ingest.Refusal;
import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Turns the layers of a (multi-layer) EXR into plain single-layer EXRs, so that workers and trainers get ordinary
 * images: albedo {@code albedo.R/G/B} becomes an R, G, B image, a mask ({@code mask.Y}, or {@code .A}, {@code .R}
 * or a sole channel) becomes a one-channel Y image, the beauty becomes the R, G, B (and A) that {@link BeautyLayer}
 * chose, converted to the working space.
 *
 * <p>Encoding is deterministic (ZIP, the source's sample type), so the same input always gives the same bytes and
 * therefore the same blob and the same pair id.
 */
public final class Layers {
    private Layers() {}

    /** The kind of image a layer holds. */
    public enum Kind { BEAUTY, ALBEDO, MASK }

    /** An extracted layer, encoded as an EXR file. */
    public record Extracted(Kind kind, byte[] exr, int width, int height, int channels) {}

    /** The first of {@code layerNames} that the image has as a layer ("name.X" channels), if any. */
    public static Optional<String> findLayer(InspectedImage img, List<String> layerNames) {
        for (String l : layerNames) {
            String prefix = l + ".";
            if (img.channels().stream().anyMatch(c -> c.startsWith(prefix))) return Optional.of(l);
        }
        return Optional.empty();
    }

    /**
     * True when the frame's file can serve as its own beauty image: the beauty is its top-level R, G, B in the working
     * space and nothing else is in the file (otherwise the beauty is extracted).
     */
    public static boolean beautyIsWholeFile(InspectedImage img) {
        return img.beauty().asStored() && img.channels().stream().allMatch(c -> List.of("R", "G", "B", "A").contains(c));
    }

    /** The beauty {@link BeautyLayer} chose, as plain R, G, B[, A] in the working space, in its source sample type. */
    public static Extracted beauty(InspectedImage img) {
        BeautyLayer.Frame b = img.beauty();
        PixelType t = b.sampleType() == PixelType.UINT ? PixelType.FLOAT : b.sampleType();
        FloatImage out = b.image();
        byte[] exr = ExrWriter.encode(out, ExrWriteOptions.defaults().pixelType(t));
        return new Extracted(Kind.BEAUTY, exr, out.width(), out.height(), out.channelCount());
    }

    /** The albedo in a layer ({@code layer} non-null) or at the top level of a separate file. */
    public static Extracted albedo(InspectedImage img, String layer) {
        String p = layer == null ? "" : layer + ".";
        List<String> src = List.of(p + "R", p + "G", p + "B");
        if (!img.channels().containsAll(src)) {
            throw new Refusal(422, "channel_layout", "channel layout: albedo needs channels " + src + "; "
                    + img.name() + " has " + img.channels());
        }
        return encode(Kind.ALBEDO, img, src, List.of("R", "G", "B"));
    }

    /** The mask in a layer ({@code layer} non-null) or in a separate file. */
    public static Extracted mask(InspectedImage img, String layer) {
        String p = layer == null ? "" : layer + ".";
        for (String c : List.of("Y", "A", "R", "V")) {
            if (img.channels().contains(p + c)) return encode(Kind.MASK, img, List.of(p + c), List.of("Y"));
        }
        List<String> inLayer = img.channels().stream().filter(c -> c.startsWith(p)).toList();
        if (inLayer.size() == 1) return encode(Kind.MASK, img, inLayer, List.of("Y"));
        throw new Refusal(422, "channel_layout", "channel layout: a mask needs one channel " + p + "Y (or " + p
                + "A / " + p + "R); " + img.name() + " has " + img.channels());
    }

    private static Extracted encode(Kind kind, InspectedImage img, List<String> from, List<String> to) {
        FloatImage out = img.image().select(from).rename(to);
        ExrWriteOptions opts = ExrWriteOptions.defaults();
        for (int i = 0; i < from.size(); i++) {
            PixelType t = img.typeOf(from.get(i));
            opts = opts.pixelType(to.get(i), t == PixelType.UINT ? PixelType.FLOAT : t);
        }
        return new Extracted(kind, ExrWriter.encode(out, opts), out.width(), out.height(), out.channelCount());
    }
}
