package io.prism.worker.pipeline;

import io.prism.platform.blob.BlobCorruptedException;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.vision.ImageFormatException;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import java.io.IOException;

/**
 * Reads a submitted frame from the blob store and turns it into the models' input with vision's one colour pipeline:
 * the EXR beauty layer ({@link io.prism.vision.exr.BeautyLayer}: luminance/chroma and the file's primaries converted)
 * encoded by {@link InputEncoding#encode}; PNG/TIFF/JPEG by {@link InputEncoding#encodeDisplay}. Frames are encoded
 * once for every task, in {@link #ENCODING}; a model that declares another encoding is refused at load. Anything that
 * can never work is a {@link PoisonFrameException}; I/O trouble is an IOException (retried).
 */
public final class FrameDecoder {
    /** The input encoding frames are given to every model in. */
    public static final InputEncoding ENCODING = InputEncoding.DEFAULT;

    private final BlobStore blobs;
    private final long maxPixels;

    public FrameDecoder(BlobStore blobs, long maxPixels) {
        this.blobs = blobs;
        this.maxPixels = maxPixels;
    }

    public FloatImage decode(FrameSubmitted f) throws PoisonFrameException, IOException {
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
        try {
            // one thread per frame: frames are decoded in parallel on the prepare pool, sized to the free cores
            img = ImageFiles.readBeauty(bytes, name, null, ExrLimits.DEFAULT.withMaxThreads(1));
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
        try {
            return format == ImageFormat.EXR ? ENCODING.encode(img) : ENCODING.encodeDisplay(img);
        } catch (IllegalArgumentException e) {
            throw new PoisonFrameException("unusable-pixels", e.getMessage(), e);
        }
    }
}
