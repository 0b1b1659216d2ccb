package io.prism.worker.pipeline;

import io.prism.platform.blob.BlobCorruptedException;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.vision.ImageFormatException;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.ExrHeader;
import io.prism.vision.exr.ExrImage;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrPart;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import java.io.IOException;
import java.util.List;

/**
 * Reads a submitted frame from the blob store and decodes it, before any model's encoding: an EXR's beauty is the
 * layer vision's {@link BeautyLayer} chooses — the resolver ingest uses — as linear working-space RGB (luminance/chroma
 * and the file's primaries converted); a PNG/TIFF/JPEG frame is kept as its display-referred sRGB values. Each model's
 * own {@link InputEncoding} is applied later, by {@link ModelInput}, once the model is known. Anything that can never
 * work is a {@link PoisonFrameException} (non-finite pixels included, whatever the encoding); I/O trouble is an
 * IOException (retried).
 */
public final class FrameDecoder {
    /**
     * A decoded frame.
     *
     * @param input  the frame's R, G, B (alpha is not part of a model's input), to be encoded per model
     * @param header the header of the EXR part holding the beauty (windows, compression), null for other formats
     */
    public record Decoded(ModelInput input, ExrHeader header) {}

    private final BlobStore blobs;
    private final long maxPixels;
    private final String defaultBeautyLayer;

    /** @param defaultBeautyLayer the show-wide beauty layer ({@code PRISM_BEAUTY_LAYER}), or null for the rules */
    public FrameDecoder(BlobStore blobs, long maxPixels, String defaultBeautyLayer) {
        this.blobs = blobs;
        this.maxPixels = maxPixels;
        this.defaultBeautyLayer = defaultBeautyLayer;
    }

    /**
     * The beauty layer a frame asks for: its {@code beautyLayer} attribute, else {@code PRISM_BEAUTY_LAYER}, else null
     * (the rules).
     */
    public static String requestedBeauty(FrameSubmitted f, String defaultBeautyLayer) {
        String named = f.attributes().get(BeautyLayer.ATTRIBUTE);
        return named != null && !named.isBlank() ? named : defaultBeautyLayer;
    }

    public Decoded decode(FrameSubmitted f) throws PoisonFrameException, IOException {
        BlobRef src = f.source();
        if (src.width() != null && src.height() != null && (long) src.width() * src.height() > maxPixels) {
            throw new PoisonFrameException("too-large", "frame is " + src.width() + "x" + src.height()
                    + ", more than PRISM_WORKER_MAX_PIXELS=" + maxPixels);
        }
        byte[] bytes;
        try {
            bytes = blobs.read(src); // verifies size and SHA-256
        } catch (BlobCorruptedException e) {
            throw new PoisonFrameException("corrupt-blob", "source blob " + src.uri() + " does not match its checksum: " + e.getMessage(), e);
        }
        String name = f.sourcePath() != null ? f.sourcePath() : src.uri().toString();
        ImageFormat format = ImageFormat.sniff(bytes, bytes.length);
        FloatImage img;
        ExrHeader header = null;
        try {
            if (format == ImageFormat.EXR) {
                // one thread per frame: frames are decoded in parallel on the prepare pool, sized to the free cores
                ExrImage exr = ExrReader.read(bytes, name, ExrLimits.DEFAULT.withMaxThreads(1));
                BeautyLayer.Frame beauty = BeautyLayer.extract(exr, selectBeauty(exr.parts().stream().map(ExrPart::header).toList(),
                        requestedBeauty(f, defaultBeautyLayer), name));
                img = beauty.image();
                header = exr.parts().get(beauty.layer().part()).header();
            } else {
                img = ImageFiles.read(bytes, name);
            }
        } catch (BeautyLayer.NotFound e) {
            throw new PoisonFrameException("unusable-pixels", e.getMessage(), e);
        } catch (ImageFormatException | RuntimeException e) {
            throw new PoisonFrameException("unreadable", "cannot decode " + name + ": " + e.getMessage(), e);
        }
        if ((src.width() != null && src.width() != img.width()) || (src.height() != null && src.height() != img.height())) {
            throw new PoisonFrameException("wrong-size", name + " is " + img.width() + "x" + img.height()
                    + " but was submitted as " + src.width() + "x" + src.height());
        }
        if ((long) img.width() * img.height() > maxPixels) {
            throw new PoisonFrameException("too-large", name + " is " + img.width() + "x" + img.height()
                    + ", more than PRISM_WORKER_MAX_PIXELS=" + maxPixels);
        }
        if (img.width() == 0 || img.height() == 0) {
            throw new PoisonFrameException("unreadable", name + " has no pixels");
        }
        boolean exr = format == ImageFormat.EXR;
        try {
            FloatImage rgb = InputEncoding.requireFinite(InputEncoding.colour(img, exr ? "beauty" : "image"), exr ? "beauty" : "image");
            return new Decoded(exr ? ModelInput.sceneLinear(rgb) : ModelInput.displayReferred(rgb), header);
        } catch (IllegalArgumentException e) {
            throw new PoisonFrameException("unusable-pixels", e.getMessage(), e);
        }
    }

    /**
     * The beauty layer's place in a file: the requested one, else the one the rules choose. Ingest stores a beauty it
     * picked out of a part or layer (or converted) as a plain R, G, B[, A] file, in which the requested name no longer
     * exists: the rules find it there.
     */
    public static BeautyLayer.Layer selectBeauty(List<ExrHeader> headers, String requested, String name) throws BeautyLayer.NotFound {
        try {
            return BeautyLayer.select(headers, requested, name);
        } catch (BeautyLayer.NotFound e) {
            if (requested == null) throw e;
            return BeautyLayer.select(headers, null, name);
        }
    }
}
