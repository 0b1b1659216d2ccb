package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Writes predicted layers back where a farm and a compositor expect them: an OpenEXR file next to the source frame
 * or under a configurable path pattern, with AOV channel names ({@code albedo.R}, {@code albedo.G},
 * {@code albedo.B}; {@code mask.A}), the source's data and display windows and compression, written atomically
 * (temporary file, then rename) so a reader never sees half a file. A compositor then loads the predicted layer like
 * any other AOV.
 *
 * <p>Patterns name fields in braces: {@code {show}/{shot}/{layer}_{task}.{frame:04d}.exr} (a {@code :0N} suffix pads
 * a number). Without a pattern the result goes next to the source: {@code beauty.0001.exr} →
 * {@code beauty_albedo.0001.exr}.
 */
public final class ResultLayers {
    private static final Pattern FIELD = Pattern.compile("\\{([A-Za-z]+)(?::0(\\d+)d?)?}");
    private static final Pattern FRAME_SUFFIX = Pattern.compile("^(.*?)([._])(-?\\d+)\\.exr$", Pattern.CASE_INSENSITIVE);

    private ResultLayers() {
    }

    /**
     * Where a result goes.
     *
     * @param root    the folder a pattern is relative to (ignored without a pattern)
     * @param pattern e.g. {@code {show}/{shot}/{layer}_{task}.{frame:04d}.exr}, or null/blank for next to the source
     * @param fields  values for the pattern's fields ({@code show}, {@code shot}, {@code layer}, {@code task},
     *                {@code frame}, ...)
     * @param source  the source frame
     */
    public static Path target(Path root, String pattern, Map<String, String> fields, Path source) {
        String task = fields.get("task");
        if (pattern == null || pattern.isBlank()) {
            if (task == null) throw new IllegalArgumentException("a result needs a task name");
            String name = source.getFileName().toString();
            Matcher m = FRAME_SUFFIX.matcher(name);
            String out = m.matches() ? m.group(1) + "_" + task + m.group(2) + m.group(3) + ".exr"
                    : name.replaceFirst("(?i)\\.exr$", "") + "_" + task + ".exr";
            return source.resolveSibling(out);
        }
        Matcher m = FIELD.matcher(pattern);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String value = fields.get(m.group(1));
            if (value == null) throw new IllegalArgumentException("pattern " + pattern + " names {" + m.group(1) + "}, which is not known");
            if (value.contains("/") || value.contains("\\") || value.equals("..")) {
                throw new IllegalArgumentException("{" + m.group(1) + "} = '" + value + "' would leave the pattern's folder");
            }
            if (m.group(2) != null) value = String.format(Locale.ROOT, "%0" + m.group(2) + "d", Long.parseLong(value));
            m.appendReplacement(sb, Matcher.quoteReplacement(value));
        }
        m.appendTail(sb);
        Path p = root.resolve(sb.toString()).normalize();
        if (!p.startsWith(root.normalize())) throw new IllegalArgumentException("pattern " + pattern + " leaves " + root);
        return p;
    }

    /**
     * The AOV channel names of a result: an albedo's R, G, B become {@code task.R/G/B}; a one-channel mask becomes
     * {@code task.A} (the mask is coverage).
     */
    public static FloatImage asAov(FloatImage result, String task) {
        List<String> names = new ArrayList<>();
        if (result.channelCount() == 1) {
            names.add(task + ".A");
        } else {
            for (String c : result.channels()) names.add(task + "." + c);
        }
        return result.rename(names);
    }

    /**
     * Writes layers (already AOV-named, the size of the source's data window) as one EXR at {@code target}, with the
     * source's data window origin, display window and compression (ZIP where Prism cannot write the source's), HALF
     * samples; folders are created; the file appears atomically.
     */
    public static void write(Path target, FloatImage layers, ExrHeader source) throws IOException {
        Box2i data = source.dataWindow();
        if (layers.width() != data.widthLong() || layers.height() != data.heightLong()) {
            throw new IllegalArgumentException("result is " + layers.width() + "x" + layers.height()
                    + " but the source's data window is " + data.widthLong() + "x" + data.heightLong());
        }
        Compression c = source.compression().supported() ? source.compression() : Compression.ZIP;
        ExrWriteOptions o = ExrWriteOptions.defaults().compression(c).dataOrigin(data.minX(), data.minY())
                .displayWindow(source.displayWindow()).attribute("software", "Prism");
        Path dir = target.toAbsolutePath().getParent();
        if (dir != null) Files.createDirectories(dir);
        ExrWriter.write(target, layers, o);
    }
}
