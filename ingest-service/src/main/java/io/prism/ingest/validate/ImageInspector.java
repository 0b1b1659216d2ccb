package io.prism.ingest.validate;

import io.prism.ingest.Refusal;
import io.prism.vision.ImageFormatException;
import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.ExrImage;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrPart;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.ImageFormat;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Semaphore;

/**
 * Decides whether a file is a frame Prism can take, before anything is accepted: its content must be OpenEXR (by
 * its magic number, whatever its name says), its header must be within the size, pixel-count and channel limits
 * (checked by the reader before it allocates anything), every chunk must decode (a truncated or corrupted file
 * fails here, not in a worker hours later), and its channels must have the layout its role needs.
 *
 * <p>Full decoding holds the image as floats, so at most {@code concurrency} files are decoded at once.
 */
public final class ImageInspector {
    private final ExrLimits limits;
    private final long maxBytes;
    private final Semaphore decodes;
    /** The show-wide beauty layer ({@code PRISM_BEAUTY_LAYER}), or null for the rules. */
    private final String defaultBeautyLayer;

    public ImageInspector(long maxBytes, long maxPixels, int maxChannels, int concurrency) {
        this.maxBytes = maxBytes;
        // 16 bytes per pixel and channel bounds the decoded floats generously; the pixel limit is the real bound.
        this.limits = ExrLimits.DEFAULT.withMaxPixels(maxPixels).withMaxChannels(maxChannels).withMaxParts(16);
        this.decodes = new Semaphore(concurrency, true);
        this.defaultBeautyLayer = BeautyLayer.fromEnvironment();
    }

    /** Decodes and validates a file; {@code name} is what messages call it (upload name or path). */
    public InspectedImage inspect(Path file, String name) {
        ExrImage exr = decode(file, name);
        return inspected(exr, name, null);
    }

    private static InspectedImage inspected(ExrImage exr, String name, BeautyLayer.Frame beauty) {
        Map<String, PixelType> types = new HashMap<>();
        for (ExrPart p : exr.parts()) types.putAll(InspectedImage.typesOf(p.header().channels()));
        try {
            return new InspectedImage(name, ExrReader.merge(exr), types, beauty);
        } catch (RuntimeException e) {
            throw Refusal.badImage("cannot combine the parts of " + name + ": " + e.getMessage());
        }
    }

    private ExrImage decode(Path file, String name) {
        long size;
        try {
            size = Files.size(file);
        } catch (IOException e) {
            throw new Refusal(404, "not_found", "cannot read " + name + ": " + e.getMessage());
        }
        if (size > maxBytes) {
            throw Refusal.tooLarge(name + " has " + size + " bytes, over the limit of " + maxBytes);
        }
        if (size == 0) {
            throw Refusal.badImage(name + " is empty");
        }
        ImageFormat format = sniff(file, name);
        if (format != ImageFormat.EXR) {
            ImageFormat byName = ImageFormat.ofExtension(Path.of(name.isBlank() ? "x" : name));
            String named = byName != null && byName != format ? " although its name says " + byName.label() : "";
            throw new Refusal(415, "unsupported_format", name + " is a " + format.label() + " file" + named
                    + "; ingest takes OpenEXR frames");
        }
        ExrImage exr;
        try {
            decodes.acquire();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting to validate " + name, e);
        }
        try {
            exr = ExrReader.read(file, limits);
        } catch (ImageFormatException e) {
            // The reader names the file it read: for an upload that is a temporary file, so say the upload's name.
            String msg = (e.getMessage() == null ? e.toString() : e.getMessage()).replace(file.toString(), name);
            if (msg.contains("over the limit")) {
                throw new Refusal(413, "image_too_large", "image over the limits: " + msg);
            }
            if (msg.startsWith("unsupported")) {
                throw new Refusal(422, "unsupported_exr", msg);
            }
            throw Refusal.badImage("not a readable OpenEXR file: " + msg);
        } catch (IOException e) {
            throw Refusal.badImage("cannot read " + name + ": " + String.valueOf(e.getMessage()).replace(file.toString(), name));
        } catch (RuntimeException | OutOfMemoryError e) {
            // The reader turns what it knows into ImageFormatException; anything else is still the file's fault.
            throw Refusal.badImage("not a readable OpenEXR file: " + name + ": " + e);
        } finally {
            decodes.release();
        }
        return exr;
    }

    /**
     * A beauty frame: a file whose beauty layer {@link BeautyLayer} can find (the requested part, layer or view,
     * else its default rules: unprefixed R,G,B / Y,RY,BY / Y, a part or layer named rgba, beauty, Ci or combined, the
     * default view of a multi-view file). The result carries that beauty as working-space R, G, B[, A].
     *
     * @param requested the beauty layer named by the submission (frame attribute {@code beautyLayer}), or null for
     *                  the service's default ({@code PRISM_BEAUTY_LAYER}) or the rules
     */
    public InspectedImage inspectBeauty(Path file, String name, String requested) {
        ExrImage exr = decode(file, name);
        String want = requested != null && !requested.isBlank() ? requested : defaultBeautyLayer;
        BeautyLayer.Frame beauty;
        try {
            beauty = BeautyLayer.extract(exr, BeautyLayer.select(
                    exr.parts().stream().map(ExrPart::header).toList(), want, name));
        } catch (BeautyLayer.NotFound e) {
            List<String> channels = new ArrayList<>();
            for (ExrPart p : exr.parts()) {
                for (var c : p.header().channels()) channels.add(exr.parts().size() > 1 ? p.label() + ":" + c.name() : c.name());
            }
            throw new Refusal(422, "channel_layout", "channel layout: " + e.getMessage() + "; channels " + channels);
        } catch (IllegalArgumentException e) {
            throw new Refusal(422, "channel_layout", "channel layout: cannot use the beauty of " + name + ": " + e.getMessage());
        }
        return inspected(exr, name, beauty);
    }

    /** {@link #inspectBeauty(Path, String, String)} with the service's default layer or the rules. */
    public InspectedImage inspectBeauty(Path file, String name) {
        return inspectBeauty(file, name, null);
    }

    private static ImageFormat sniff(Path file, String name) {
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(file)) {
            n = in.readNBytes(head, 0, 8);
        } catch (IOException e) {
            throw Refusal.badImage("cannot read " + name + ": " + e.getMessage());
        }
        ImageFormat f = ImageFormat.sniff(head, n);
        if (f == null) {
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < n; i++) hex.append(String.format("%02x", head[i] & 0xff));
            throw new Refusal(415, "unsupported_format", name + " is not an image file (first bytes " + hex
                    + "); ingest takes OpenEXR frames");
        }
        return f;
    }
}
