package io.prism.results.preview;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.results.http.ApiException;
import io.prism.vision.ImageFormatException;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.color.Resize;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import io.prism.vision.image.RasterOptions;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Browser-viewable PNGs made on the fly from stored images:
 * <ul>
 * <li>{@link Kind#BEAUTY} a source frame as the models see it: vision's {@link InputEncoding} pipeline with
 *     {@link #BEAUTY_ENCODING}, the default encoding that every shipped model declares (the worker feeds each model
 *     its own declared encoding; a model declaring another one sees the same frame differently) — the EXR beauty layer, the file's
 *     primaries converted to the working space, the shoulder tone curve, sRGB (R, G, B; alpha is not part of a model's
 *     input); PNG/TIFF/JPEG sources are display-referred already and shown as they are.</li>
 * <li>{@link Kind#DATA} a data image such as an uncertainty map: the mean of its channels, scaled so its largest
 *     finite value is white (the scale is data, not light: no transfer function).</li>
 * </ul>
 * Optionally box-filtered down so the longer side is at most {@code maxSide} pixels (contact-sheet thumbnails).
 * Recently made previews are kept in a small LRU cache keyed by digest, kind and size.
 */
public final class PngPreviews {
    private final BlobStore blobs;
    private final long maxPixels;
    private final Map<String, byte[]> cache;

    public PngPreviews(BlobStore blobs, long maxPixels, int cacheEntries) {
        this.blobs = blobs;
        this.maxPixels = maxPixels;
        this.cache = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, byte[]> eldest) {
                return size() > cacheEntries;
            }
        };
    }

    public enum Kind { BEAUTY, DATA }

    /** The encoding of the beauty preview: the default model input encoding, what every shipped model declares. */
    public static final InputEncoding BEAUTY_ENCODING = InputEncoding.DEFAULT;

    /** The cache key and ETag body of a preview of this image at this size. */
    public static String etagOf(BlobRef source, Kind kind, int maxSide) {
        return source.sha256() + "-" + kind.name().toLowerCase() + "-png" + (maxSide > 0 ? "-" + maxSide : "");
    }

    /** PNG bytes (blocking: reads and verifies the blob). */
    public byte[] render(BlobRef source, Kind kind, int maxSide) throws IOException {
        String key = etagOf(source, kind, maxSide);
        synchronized (cache) {
            byte[] hit = cache.get(key);
            if (hit != null) return hit;
        }
        if (source.width() != null && source.height() != null && (long) source.width() * source.height() > maxPixels) {
            throw ApiException.unprocessable("source frame is " + source.width() + "x" + source.height()
                    + ", larger than the preview limit of " + maxPixels + " pixels (PRISM_RESULTS_PREVIEW_MAX_PIXELS)");
        }
        byte[] bytes = blobs.read(source);
        FloatImage display;
        try {
            display = kind == Kind.BEAUTY ? BEAUTY_ENCODING.read(bytes, source.sha256(), null) : normalised(ImageFiles.read(bytes, source.sha256()));
        } catch (ImageFormatException | IllegalArgumentException e) {
            throw ApiException.unprocessable("source frame cannot be decoded for a preview: " + e.getMessage());
        }
        if ((long) display.width() * display.height() > maxPixels) {
            throw ApiException.unprocessable("source frame is " + display.width() + "x" + display.height()
                    + ", larger than the preview limit of " + maxPixels + " pixels");
        }
        if (maxSide > 0 && Math.max(display.width(), display.height()) > maxSide) {
            display = Resize.resizeLongEdge(display, maxSide, Resize.Filter.AREA);
        }
        byte[] png = ImageFiles.encode(display, ImageFormat.PNG, RasterOptions.DEFAULT);
        synchronized (cache) {
            cache.put(key, png);
        }
        return png;
    }

    /**
     * The mean of the non-alpha channels (an RGB uncertainty map has one spread per channel) as grey, divided by its
     * largest finite value; NaN and negatives become black.
     */
    static FloatImage normalised(FloatImage image) {
        List<String> names = image.channels().stream().filter(c -> !c.equals("A") && !c.endsWith(".A")).toList();
        if (names.isEmpty()) names = image.channels();
        int n = image.width() * image.height();
        float[] dst = new float[n];
        for (String c : names) {
            float[] src = image.plane(c);
            for (int i = 0; i < n; i++) dst[i] += src[i] / names.size();
        }
        float max = 0f;
        for (float v : dst) {
            if (Float.isFinite(v) && v > max) max = v;
        }
        float scale = max > 0f ? 1f / max : 0f;
        for (int i = 0; i < n; i++) {
            float v = dst[i];
            dst[i] = Float.isFinite(v) && v > 0f ? v * scale : 0f;
        }
        return new FloatImage(image.width(), image.height(), List.of("Y"), new float[][] {dst});
    }
}
