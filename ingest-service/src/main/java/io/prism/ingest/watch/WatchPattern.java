package io.prism.ingest.watch;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A file-name pattern relative to a render root, e.g. {@code <show>/<shot>/<layer>/<name>.<frame:04d>.exr}.
 * {@code <field>} matches one path segment's worth of text (no '/'); {@code <frame:0Nd>} matches at least N digits
 * (a frame number padded to N). Everything else is literal. Fields: show, shot and frame are required; layer
 * (default "beauty") and name are optional; other names are allowed and kept as attributes.
 */
public final class WatchPattern {
    private static final Pattern FIELD = Pattern.compile("<([a-zA-Z][a-zA-Z0-9]*)(?::0?(\\d+)d)?>");
    private final String source;
    private final Pattern regex;

    public WatchPattern(String pattern) {
        this.source = pattern;
        StringBuilder re = new StringBuilder();
        Matcher m = FIELD.matcher(pattern);
        int last = 0;
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (m.find()) {
            re.append(Pattern.quote(pattern.substring(last, m.start())));
            String name = m.group(1);
            if (!seen.add(name)) throw new IllegalArgumentException("field <" + name + "> occurs twice in " + pattern);
            if (m.group(2) != null) {
                re.append("(?<").append(name).append(">\\d{").append(Integer.parseInt(m.group(2))).append(",})");
            } else if (name.equals("frame")) {
                re.append("(?<frame>\\d+)");
            } else {
                re.append("(?<").append(name).append(">[^/]+?)");
            }
            last = m.end();
        }
        re.append(Pattern.quote(pattern.substring(last)));
        for (String required : new String[] {"show", "shot", "frame"}) {
            if (!seen.contains(required)) {
                throw new IllegalArgumentException("watch pattern " + pattern + " needs a <" + required + "> field");
            }
        }
        this.regex = Pattern.compile(re.toString());
        this.fields = seen;
    }

    private final java.util.Set<String> fields;

    /** The fields of a relative path ('/'-separated) that matches, or empty. */
    public Optional<Map<String, String>> match(String relativePath) {
        Matcher m = regex.matcher(relativePath);
        if (!m.matches()) return Optional.empty();
        Map<String, String> out = new LinkedHashMap<>();
        for (String f : fields) out.put(f, m.group(f));
        out.putIfAbsent("layer", "beauty");
        return Optional.of(out);
    }

    /** Fills a template such as {@code <show>-<shot>} from matched fields. */
    public static String fill(String template, Map<String, String> fields) {
        Matcher m = FIELD.matcher(template);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            String v = fields.get(m.group(1));
            if (v == null) throw new IllegalArgumentException("template " + template + " uses <" + m.group(1) + "> which the pattern lacks");
            m.appendReplacement(sb, Matcher.quoteReplacement(v));
        }
        m.appendTail(sb);
        return sb.toString();
    }

    @Override
    public String toString() {
        return source;
    }
}
