package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;
import io.prism.vision.color.ColorChannels;
import io.prism.vision.color.Primaries;
import io.prism.vision.image.FloatImage;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which layer of a rendered OpenEXR frame is its beauty — the one resolver that ingest, {@code prism publish},
 * {@code prism predict} and the AOV pair path use. Rules, first match wins:
 *
 * <ol>
 *   <li>A requested name ({@code --beauty-layer}, {@code PRISM_BEAUTY_LAYER}, the frame attribute
 *       {@code beautyLayer}): a part name ({@code rgba_left}), a layer name ({@code beauty}, {@code diffuse}), or a
 *       view name ({@code left}: that view's beauty by the rules below).</li>
 *   <li>The unprefixed colour channels {@code R,G,B[,A]} (or luminance/chroma {@code Y,RY,BY[,A]}, or grey
 *       {@code Y[,A]}). In a multi-view file only those of the chosen view count: the requested view, else the
 *       default view — the first entry of the {@code multiView} attribute, else (multi-part files whose parts carry
 *       a {@code view} attribute) the view of the first part holding a colour layer. Several unprefixed layers left
 *       (one per part) are narrowed to the part named like a beauty (next rule).</li>
 *   <li>A part or layer named {@code rgba}, {@code beauty}, {@code Ci} or {@code combined} (any case; a part name may
 *       carry its view as suffix, {@code rgba_left}, {@code beauty.right}), in that order.</li>
 * </ol>
 * Anything else is refused with a {@link NotFound} that lists the colour layers and views found.
 *
 * <p>{@link #extract} returns the beauty as Prism's working RGB: luminance/chroma converted with
 * {@link LuminanceChroma}, then the file's primaries ({@code chromaticities}; absent means Rec.709) converted to
 * the working space with {@link Primaries}.
 */
public final class BeautyLayer {
    /** Environment variable with a show-wide beauty layer name. */
    public static final String ENV = "PRISM_BEAUTY_LAYER";
    /** Frame attribute with a beauty layer name. */
    public static final String ATTRIBUTE = "beautyLayer";
    /** Names that mark a beauty part or layer, in order of preference. */
    public static final List<String> NAMES = List.of("rgba", "beauty", "Ci", "combined");

    private BeautyLayer() {
    }

    /** How a layer stores colour. */
    public enum Kind { RGB, LUMINANCE_CHROMA, LUMINANCE }

    /**
     * A colour layer of a file.
     *
     * @param part     index of the part holding it
     * @param partName the part's name (null in an unnamed single-part file)
     * @param prefix   the channel prefix including its dot, "" for unprefixed channels
     * @param layer    the layer's name without its view ("" for the main layer)
     * @param view     its view in a multi-view file, else null
     * @param channels its colour (and alpha) channels as named in the part
     */
    public record Layer(int part, String partName, String prefix, String layer, String view, Kind kind,
                        List<String> channels) {
        /** How messages name it: "rgba_left (view left)", "diffuse", "R,G,B". */
        public String label() {
            StringBuilder s = new StringBuilder();
            if (partName != null) s.append(partName);
            if (!prefix.isEmpty()) s.append(s.length() > 0 ? ":" : "").append(prefix, 0, prefix.length() - 1);
            if (s.length() == 0) s.append(String.join(",", channels));
            if (view != null) s.append(" (view ").append(view).append(')');
            return s.toString();
        }
    }

    /** The beauty, ready for the models: R, G, B[, A], linear, working-space primaries. */
    public record Frame(FloatImage image, Layer layer, Chromaticities chromaticities, PixelType sampleType, int parts) {
        /**
         * True when the file's own top-level R, G, B (single-part file) already are the beauty in the working space,
         * so the file can be passed on as it is; false when the beauty had to be picked out of a part/layer or
         * converted.
         */
        public boolean asStored() {
            return parts == 1 && layer.kind() == Kind.RGB && layer.prefix().isEmpty()
                    && chromaticities.equals(Primaries.WORKING);
        }
    }

    /** The refusal: no beauty could be chosen; the message lists what the file has. */
    public static final class NotFound extends ImageFormatException {
        private static final long serialVersionUID = 1L;

        public NotFound(String message) {
            super(message);
        }
    }

    /** The requested name from the environment ({@link #ENV}), or null. */
    public static String fromEnvironment() {
        String v = System.getenv(ENV);
        return v == null || v.isBlank() ? null : v.trim();
    }

    /** Every colour layer of a file, in part and channel order. */
    public static List<Layer> layers(List<ExrHeader> headers) {
        List<String> views = multiView(headers);
        List<Layer> out = new ArrayList<>();
        for (int p = 0; p < headers.size(); p++) {
            ExrHeader h = headers.get(p);
            String partView = h.string("view").orElse(null);
            Map<String, Set<String>> byPrefix = new LinkedHashMap<>();
            for (ExrChannel c : h.channels()) {
                byPrefix.computeIfAbsent(ColorChannels.layer(c.name()), k -> new LinkedHashSet<>()).add(ColorChannels.base(c.name()));
            }
            for (Map.Entry<String, Set<String>> e : byPrefix.entrySet()) {
                String prefix = e.getKey();
                Set<String> bases = e.getValue();
                Kind kind = bases.containsAll(List.of("R", "G", "B")) ? Kind.RGB
                        : bases.containsAll(List.of("Y", "RY", "BY")) ? Kind.LUMINANCE_CHROMA
                        : bases.contains("Y") && bases.size() <= 2 && (bases.size() == 1 || bases.contains("A")) ? Kind.LUMINANCE
                        : null;
                if (kind == null) continue;
                List<String> chans = new ArrayList<>();
                for (String b : switch (kind) {
                    case RGB -> List.of("R", "G", "B");
                    case LUMINANCE_CHROMA -> List.of("Y", "RY", "BY");
                    case LUMINANCE -> List.of("Y");
                }) chans.add(prefix + b);
                if (bases.contains("A")) chans.add(prefix + "A");
                String layer = prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
                String view = partView;
                if (!views.isEmpty() && partView == null) {
                    // single-part multi-view: "left.R" / "forward.left.u" name their view; the rest is the default view
                    String last = ColorChannels.base(layer);
                    if (!layer.isEmpty() && views.contains(last)) {
                        view = last;
                        layer = layer.equals(last) ? "" : layer.substring(0, layer.length() - last.length() - 1);
                    } else {
                        view = views.get(0);
                    }
                }
                out.add(new Layer(p, h.name(), prefix, layer, view, kind, List.copyOf(chans)));
            }
        }
        return out;
    }

    /**
     * Chooses the beauty layer of a file by the rules above.
     *
     * @param requested a part, layer or view name, or null/blank for the default rules
     * @param source    how messages name the file
     * @throws NotFound when no layer fits (the message lists the layers found)
     */
    public static Layer select(List<ExrHeader> headers, String requested, String source) throws NotFound {
        List<Layer> all = layers(headers);
        Set<String> views = new LinkedHashSet<>(multiView(headers));
        for (Layer l : all) if (l.view() != null) views.add(l.view());
        String want = requested == null || requested.isBlank() ? null : requested.trim();
        String view = null;
        if (want != null) {
            List<Layer> byPart = all.stream().filter(l -> want.equals(l.partName())).toList();
            if (!byPart.isEmpty()) {
                return byPart.stream().filter(l -> l.prefix().isEmpty()).findFirst().orElse(byPart.get(0));
            }
            String defaultView = defaultView(headers, all);
            List<Layer> byLayer = all.stream().filter(l -> want.equals(l.layer()) || want.equals(stripDot(l.prefix()))).toList();
            if (!byLayer.isEmpty()) {
                return byLayer.stream().filter(l -> l.view() == null || l.view().equals(defaultView)).findFirst()
                        .orElse(byLayer.get(0));
            }
            if (!views.contains(want)) {
                throw new NotFound("no beauty layer '" + want + "' in " + source + ": " + found(all, views));
            }
            view = want;
        }
        if (view == null) view = defaultView(headers, all);
        String v = view;
        List<Layer> inView = all.stream().filter(l -> l.view() == null || l.view().equals(v)).toList();
        List<Layer> unprefixed = inView.stream().filter(l -> l.layer().isEmpty()).toList();
        if (unprefixed.size() == 1) return unprefixed.get(0);
        if (unprefixed.size() > 1) {
            Optional<Layer> named = byBeautyName(unprefixed, v);
            if (named.isPresent()) return named.get();
            throw new NotFound("several candidate beauty layers in " + source + " (" + String.join(", ",
                    unprefixed.stream().map(Layer::label).toList()) + "): name one with --beauty-layer or " + ENV
                    + "; " + found(all, views));
        }
        Optional<Layer> named = byBeautyName(inView, v);
        if (named.isPresent()) return named.get();
        throw new NotFound("no beauty layer in " + source + ": expected unprefixed R,G,B (or Y,RY,BY), or a part or "
                + "layer named " + String.join("/", NAMES) + "; " + found(all, views)
                + " (name the beauty with --beauty-layer or " + ENV + ")");
    }

    /** Picks the beauty out of a decoded file: {@link #select}, then {@link #extract}. */
    public static Frame extract(ExrImage exr, String requested) throws NotFound {
        List<ExrHeader> headers = exr.parts().stream().map(ExrPart::header).toList();
        return extract(exr, select(headers, requested, exr.source()));
    }

    /** The layer as working-space R, G, B[, A]: luminance/chroma converted, then primaries converted. */
    public static Frame extract(ExrImage exr, Layer layer) {
        ExrPart part = exr.parts().get(layer.part());
        FloatImage rgb;
        if (layer.kind() == Kind.RGB) {
            List<String> names = new ArrayList<>(List.of("R", "G", "B"));
            if (layer.channels().size() == 4) names.add("A");
            rgb = part.image().select(layer.channels()).rename(names);
        } else {
            rgb = LuminanceChroma.toRgb(part, layer.prefix());
        }
        Chromaticities primaries = part.header().chromaticities().orElse(Chromaticities.REC709);
        FloatImage working = Primaries.apply(rgb, Primaries.toWorking(primaries));
        PixelType type = PixelType.HALF;
        for (ExrChannel c : part.header().channels()) {
            if (c.name().equals(layer.channels().get(0))) type = c.type();
        }
        return new Frame(working, layer, primaries, type, exr.parts().size());
    }

    /**
     * Reads a frame's beauty, decoding only the chosen layer's channels.
     *
     * @param requested a part, layer or view name, or null for the default rules
     */
    public static Frame read(Path path, String requested) throws IOException {
        Layer layer = select(ExrReader.readHeaders(path), requested, path.toString());
        ExrImage exr = ExrReader.read(path, ExrLimits.DEFAULT, (part, channel) -> layer.channels().contains(channel)
                && java.util.Objects.equals(part, layer.partName()));
        return extract(exr, layer);
    }

    private static Optional<Layer> byBeautyName(List<Layer> candidates, String view) {
        for (String name : NAMES) {
            for (Layer l : candidates) {
                if (name.equalsIgnoreCase(l.layer())) return Optional.of(l);
            }
            for (Layer l : candidates) {
                if (l.partName() != null && name.equalsIgnoreCase(withoutView(l.partName(), view))) return Optional.of(l);
            }
        }
        return Optional.empty();
    }

    /** "rgba_left" → "rgba" when the view is "left" (also "." and "-" separators). */
    private static String withoutView(String partName, String view) {
        if (view == null) return partName;
        for (String sep : List.of("_", ".", "-")) {
            String suffix = sep + view;
            if (partName.toLowerCase(Locale.ROOT).endsWith(suffix.toLowerCase(Locale.ROOT))) {
                return partName.substring(0, partName.length() - suffix.length());
            }
        }
        return partName;
    }

    private static String defaultView(List<ExrHeader> headers, List<Layer> layers) {
        List<String> mv = multiView(headers);
        if (!mv.isEmpty()) return mv.get(0);
        for (Layer l : layers) if (l.view() != null) return l.view();
        return null;
    }

    @SuppressWarnings("unchecked")
    private static List<String> multiView(List<ExrHeader> headers) {
        for (ExrHeader h : headers) {
            Optional<ExrAttribute> a = h.attribute("multiView");
            if (a.isPresent() && a.get().value() instanceof List<?> l && !l.isEmpty()) return (List<String>) l;
        }
        return List.of();
    }

    private static String stripDot(String prefix) {
        return prefix.isEmpty() ? "" : prefix.substring(0, prefix.length() - 1);
    }

    private static String found(List<Layer> all, Set<String> views) {
        String layers = all.isEmpty() ? "no colour layers (R,G,B / Y,RY,BY / Y)"
                : "colour layers found: " + String.join(", ", all.stream().map(Layer::label).toList());
        return views.isEmpty() ? layers : layers + "; views: " + String.join(", ", views);
    }
}
