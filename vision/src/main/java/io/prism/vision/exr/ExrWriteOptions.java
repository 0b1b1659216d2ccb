package io.prism.vision.exr;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * How {@link ExrWriter} writes a scanline OpenEXR file. Immutable; each {@code withX}-style method returns a copy.
 * <p>
 * Defaults: ZIP compression (16 lines per chunk, lossless), HALF samples for every channel (what renderers write for
 * colour; choose FLOAT for depth, positions or anything needing more than 11 bits of precision), data window at
 * (0,0), display window = data window, zlib level 4 (OpenEXR's own default: nearly the ratio of level 6, faster),
 * {@link ExrLimits#DEFAULT_THREADS} encoding threads.
 */
public final class ExrWriteOptions {
    static final Set<String> RESERVED = Set.of("channels", "compression", "dataWindow", "displayWindow", "lineOrder",
            "pixelAspectRatio", "screenWindowCenter", "screenWindowWidth", "tiles", "type", "version",
            "chunkCount", "maxSamplesPerPixel");

    private final Compression compression;
    private final PixelType pixelType;
    private final Map<String, PixelType> channelTypes;
    private final Map<String, ExrAttribute> attributes;
    private final int originX;
    private final int originY;
    private final Box2i displayWindow;
    private final int zipLevel;
    private final int threads;

    private ExrWriteOptions(Compression compression, PixelType pixelType, Map<String, PixelType> channelTypes,
                            Map<String, ExrAttribute> attributes, int originX, int originY, Box2i displayWindow,
                            int zipLevel, int threads) {
        this.compression = compression;
        this.pixelType = pixelType;
        this.channelTypes = channelTypes;
        this.attributes = attributes;
        this.originX = originX;
        this.originY = originY;
        this.displayWindow = displayWindow;
        this.zipLevel = zipLevel;
        this.threads = threads;
    }

    /** ZIP, HALF, no extra attributes. */
    public static ExrWriteOptions defaults() {
        return new ExrWriteOptions(Compression.ZIP, PixelType.HALF, Map.of(), Map.of(), 0, 0, null, 4,
                ExrLimits.DEFAULT_THREADS);
    }

    /** Lossless FLOAT samples with the given compression. */
    public static ExrWriteOptions lossless(Compression compression) {
        return defaults().compression(compression).pixelType(PixelType.FLOAT);
    }

    public ExrWriteOptions compression(Compression c) {
        Objects.requireNonNull(c, "compression");
        if (!c.supported()) {
            throw new IllegalArgumentException("unsupported: writing compression " + c);
        }
        return new ExrWriteOptions(c, pixelType, channelTypes, attributes, originX, originY, displayWindow, zipLevel, threads);
    }

    /** The sample type of every channel without a per-channel type. */
    public ExrWriteOptions pixelType(PixelType t) {
        Objects.requireNonNull(t, "pixelType");
        return new ExrWriteOptions(compression, t, channelTypes, attributes, originX, originY, displayWindow, zipLevel, threads);
    }

    /** The sample type of one channel, e.g. {@code pixelType("Z", PixelType.FLOAT)}. */
    public ExrWriteOptions pixelType(String channel, PixelType t) {
        Objects.requireNonNull(t, "pixelType");
        Map<String, PixelType> m = new LinkedHashMap<>(channelTypes);
        m.put(channel, t);
        return new ExrWriteOptions(compression, pixelType, Collections.unmodifiableMap(m), attributes, originX, originY,
                displayWindow, zipLevel, threads);
    }

    /**
     * A custom string attribute (e.g. "prism.model" → "marigold-iid-v1"); "name" names the part. Attributes the writer
     * itself writes (channels, dataWindow, ...) are refused.
     */
    public ExrWriteOptions attribute(String name, String value) {
        Objects.requireNonNull(value, "value");
        return attribute(new ExrAttribute(name, "string", value, null));
    }

    /** A custom int attribute. */
    public ExrWriteOptions attribute(String name, int value) {
        return attribute(new ExrAttribute(name, "int", value, null));
    }

    /** A custom float attribute. */
    public ExrWriteOptions attribute(String name, float value) {
        return attribute(new ExrAttribute(name, "float", value, null));
    }

    /** The primaries and white point of the pixels (omit for Rec.709/sRGB). */
    public ExrWriteOptions chromaticities(Chromaticities c) {
        return attribute(new ExrAttribute("chromaticities", "chromaticities", c, null));
    }

    /**
     * Any attribute of a type Prism can encode: string, int, float, double, box2i, v2i, v2f, v3f, m33f, m44f,
     * stringvector, chromaticities.
     */
    public ExrWriteOptions attribute(ExrAttribute a) {
        Objects.requireNonNull(a, "attribute");
        if (a.name() == null || a.name().isEmpty() || a.name().length() > 255) {
            throw new IllegalArgumentException("attribute name must have 1..255 characters: " + a.name());
        }
        if (RESERVED.contains(a.name())) {
            throw new IllegalArgumentException("attribute '" + a.name() + "' is written by the writer itself");
        }
        if (a.name().equals("name") && !a.type().equals("string")) {
            throw new IllegalArgumentException("the part name attribute 'name' must be a string");
        }
        Map<String, ExrAttribute> m = new LinkedHashMap<>(attributes);
        m.put(a.name(), a);
        return new ExrWriteOptions(compression, pixelType, channelTypes, Collections.unmodifiableMap(m), originX,
                originY, displayWindow, zipLevel, threads);
    }

    /** Where the data window starts (its size is the image's); OpenEXR allows any origin, negative too. */
    public ExrWriteOptions dataOrigin(int x, int y) {
        return new ExrWriteOptions(compression, pixelType, channelTypes, attributes, x, y, displayWindow, zipLevel, threads);
    }

    /** The display window; default: the data window. */
    public ExrWriteOptions displayWindow(Box2i window) {
        return new ExrWriteOptions(compression, pixelType, channelTypes, attributes, originX, originY, window, zipLevel, threads);
    }

    /** zlib level 1..9 for ZIP, ZIPS and PXR24. */
    public ExrWriteOptions zipLevel(int level) {
        if (level < 1 || level > 9) throw new IllegalArgumentException("zip level must be 1..9: " + level);
        return new ExrWriteOptions(compression, pixelType, channelTypes, attributes, originX, originY, displayWindow,
                level, threads);
    }

    /** Threads encoding chunks in parallel (the caller's included); small images use one. */
    public ExrWriteOptions threads(int n) {
        if (n < 1) throw new IllegalArgumentException("threads must be positive: " + n);
        return new ExrWriteOptions(compression, pixelType, channelTypes, attributes, originX, originY, displayWindow,
                zipLevel, n);
    }

    public int threads() { return threads; }

    public Compression compression() { return compression; }

    public PixelType pixelType() { return pixelType; }

    public PixelType pixelType(String channel) { return channelTypes.getOrDefault(channel, pixelType); }

    public Map<String, PixelType> channelTypes() { return channelTypes; }

    public Map<String, ExrAttribute> attributes() { return attributes; }

    public int originX() { return originX; }

    public int originY() { return originY; }

    public Box2i displayWindow() { return displayWindow; }

    public int zipLevel() { return zipLevel; }
}
