package io.prism.vision.exr;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The header of one part, validated: the required attributes decoded into typed accessors and every attribute,
 * custom ones included, in file order through {@link #attributes()}.
 */
public final class ExrHeader {
    /** Part types as named in multi-part files. */
    public static final String SCANLINE = "scanlineimage";
    public static final String TILED = "tiledimage";

    private final List<ExrChannel> channels;
    private final Box2i dataWindow;
    private final Box2i displayWindow;
    private final Compression compression;
    private final LineOrder lineOrder;
    private final float pixelAspectRatio;
    private final String name;
    private final String type;
    private final TileDescription tiles;
    private final Map<String, ExrAttribute> attributes;

    ExrHeader(List<ExrChannel> channels, Box2i dataWindow, Box2i displayWindow, Compression compression,
              LineOrder lineOrder, float pixelAspectRatio, String name, String type, TileDescription tiles,
              Map<String, ExrAttribute> attributes) {
        this.channels = List.copyOf(channels);
        this.dataWindow = dataWindow;
        this.displayWindow = displayWindow;
        this.compression = compression;
        this.lineOrder = lineOrder;
        this.pixelAspectRatio = pixelAspectRatio;
        this.name = name;
        this.type = type;
        this.tiles = tiles;
        this.attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
    }

    /** Channels in file order (sorted by name). */
    public List<ExrChannel> channels() { return channels; }

    public Box2i dataWindow() { return dataWindow; }

    public Box2i displayWindow() { return displayWindow; }

    public Compression compression() { return compression; }

    public LineOrder lineOrder() { return lineOrder; }

    public float pixelAspectRatio() { return pixelAspectRatio; }

    /** The part's name (multi-part files; single-part files may have one too), or null. */
    public String name() { return name; }

    /** {@link #SCANLINE} or {@link #TILED}. */
    public String type() { return type; }

    public boolean tiled() { return tiles != null; }

    /** The tile description of a tiled part, or null. */
    public TileDescription tiles() { return tiles; }

    /** The chromaticities attribute, if the file has one (absent means Rec.709 primaries, D65). */
    public Optional<Chromaticities> chromaticities() {
        ExrAttribute a = attributes.get("chromaticities");
        return a != null && a.value() instanceof Chromaticities c ? Optional.of(c) : Optional.empty();
    }

    /** Every attribute in file order. */
    public Map<String, ExrAttribute> attributes() { return attributes; }

    public Optional<ExrAttribute> attribute(String name) { return Optional.ofNullable(attributes.get(name)); }

    /** All string attributes (custom metadata such as "owner", "renderer", "prism.shot"). */
    public Map<String, String> stringAttributes() {
        Map<String, String> m = new LinkedHashMap<>();
        attributes.forEach((k, a) -> {
            if (a.value() instanceof String s) m.put(k, s);
        });
        return Collections.unmodifiableMap(m);
    }

    public Optional<String> string(String name) { return Optional.ofNullable(stringAttributes().get(name)); }

    @Override
    public String toString() {
        return "ExrHeader[" + (name != null ? "'" + name + "' " : "") + type + " " + dataWindow + " " + compression
                + " " + channels.stream().map(c -> c.name() + ":" + c.type()).toList() + "]";
    }
}
