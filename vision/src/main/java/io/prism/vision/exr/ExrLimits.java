package io.prism.vision.exr;

/**
 * Bounds a reader enforces before it allocates anything, so a hostile or broken file fails fast with a clear error
 * instead of exhausting memory.
 *
 * @param maxPixels   largest data window (width × height) of one part; default 2^28 = 268,435,456 (16384²)
 * @param maxChannels most channels in one part; default 1024
 * @param maxBytes    most bytes of decoded float data (pixels × channels × 4, all parts); default 8 GiB. Independently
 *                    of this, the reader refuses an image whose float data would take more than 80% of the JVM's
 *                    maximum heap, with an error saying so rather than an {@link OutOfMemoryError}.
 * @param maxParts    most parts in a multi-part file; default 256
 * @param maxThreads  most threads decoding one part's chunks in parallel (the caller's included); default
 *                    {@link #DEFAULT_THREADS}. Small images are always decoded on the caller's thread.
 */
public record ExrLimits(long maxPixels, int maxChannels, long maxBytes, int maxParts, int maxThreads) {
    /** min(4, available processors): enough to hide zlib/Huffman latency without starving other work. */
    public static final int DEFAULT_THREADS = Math.max(1, Math.min(4, Runtime.getRuntime().availableProcessors()));
    public static final ExrLimits DEFAULT = new ExrLimits(1L << 28, 1024, 8L << 30, 256, DEFAULT_THREADS);

    public ExrLimits {
        if (maxPixels < 1 || maxChannels < 1 || maxBytes < 1 || maxParts < 1 || maxThreads < 1) {
            throw new IllegalArgumentException("limits must be positive");
        }
    }

    public ExrLimits(long maxPixels, int maxChannels, long maxBytes, int maxParts) {
        this(maxPixels, maxChannels, maxBytes, maxParts, DEFAULT_THREADS);
    }

    public ExrLimits withMaxPixels(long n) { return new ExrLimits(n, maxChannels, maxBytes, maxParts, maxThreads); }

    public ExrLimits withMaxChannels(int n) { return new ExrLimits(maxPixels, n, maxBytes, maxParts, maxThreads); }

    public ExrLimits withMaxBytes(long n) { return new ExrLimits(maxPixels, maxChannels, n, maxParts, maxThreads); }

    public ExrLimits withMaxParts(int n) { return new ExrLimits(maxPixels, maxChannels, maxBytes, n, maxThreads); }

    public ExrLimits withMaxThreads(int n) { return new ExrLimits(maxPixels, maxChannels, maxBytes, maxParts, n); }
}
