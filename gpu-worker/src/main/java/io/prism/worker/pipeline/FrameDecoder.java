package io.prism.worker.pipeline;

import io.prism.engine.InputEncoding;
import io.prism.engine.image.ImageOps;
import io.prism.platform.blob.BlobCorruptedException;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.vision.ImageFormatException;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import java.io.IOException;
import java.util.List;

/**
 * Reads a submitted frame from the blob store and turns it into the engine's input: sRGB-encoded RGB. Linear EXR
 * beauty goes through {@link InputEncoding#beautyToSrgb} (tone map + sRGB transfer); PNG/TIFF/JPEG are already
 * sRGB-encoded. Anything that can never work is a {@link PoisonFrameException}; I/O trouble is an IOException
 * (retried).
 */
public final class FrameDecoder {
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
            img = format == ImageFormat.EXR
                    ? ExrReader.merge(ExrReader.read(bytes, name, ExrLimits.DEFAULT.withMaxThreads(1)))
                    : ImageFiles.read(bytes, name);
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
            if (format == ImageFormat.EXR) {
                return InputEncoding.beautyToSrgb(img); // scene-linear → sRGB-encoded, as the models were trained
            }
            FloatImage rgb = img.has("Y") && !img.has("R")
                    ? new FloatImage(img.width(), img.height(), List.of("R", "G", "B"),
                            new float[][] {img.plane("Y"), img.plane("Y").clone(), img.plane("Y").clone()})
                    : ImageOps.rgb(img, name);
            ImageOps.requireFinite(rgb, name);
            return rgb;
        } catch (IllegalArgumentException e) {
            throw new PoisonFrameException("unusable-pixels", e.getMessage(), e);
        }
    }
}
