package io.prism.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * Reads Kubernetes manifests and renders a Kustomize directory the way {@code kubectl kustomize} does for what
 * Prism's manifests use: {@code resources} (files and directories, recursively) and strategic-merge
 * {@code patches} (maps merge, lists of named items merge by {@code name}, other lists are replaced). Enough to
 * check overlays without a kustomize binary; where {@code kubectl} exists the tests check its output as well.
 */
public final class Manifests {
    private Manifests() {}

    /** Every YAML document of a file, as maps (empty documents skipped). */
    @SuppressWarnings("unchecked")
    public static List<Map<String, Object>> load(String yamlText) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false); // a key given twice is a mistake, not an override
        Yaml yaml = new Yaml(new SafeConstructor(options));
        List<Map<String, Object>> docs = new ArrayList<>();
        for (Object doc : yaml.loadAll(yamlText)) {
            if (doc == null) continue;
            if (!(doc instanceof Map)) {
                throw new IllegalArgumentException("a manifest document must be a mapping, got " + doc.getClass().getSimpleName());
            }
            docs.add((Map<String, Object>) doc);
        }
        return docs;
    }

    public static List<Map<String, Object>> load(Path file) {
        try {
            return load(Files.readString(file));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
        }
    }

    /** Renders the Kustomization in {@code dir} into its list of resources. */
    public static List<Map<String, Object>> kustomize(Path dir) {
        Path kf = dir.resolve("kustomization.yaml");
        if (!Files.exists(kf)) {
            throw new IllegalArgumentException("no kustomization.yaml in " + dir);
        }
        Map<String, Object> k = load(kf).get(0);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Object r : list(k.get("resources"))) {
            Path p = dir.resolve(r.toString()).normalize();
            if (Files.isDirectory(p)) {
                out.addAll(kustomize(p));
            } else if (Files.exists(p)) {
                out.addAll(load(p));
            } else {
                throw new IllegalArgumentException(kf + " lists resource " + r + " which does not exist");
            }
        }
        for (Object patch : list(k.get("patches"))) {
            Map<String, Object> pm = map(patch);
            List<Map<String, Object>> patchDocs = pm.get("path") != null
                    ? load(dir.resolve(pm.get("path").toString()))
                    : load(Objects.toString(pm.get("patch"), ""));
            for (Map<String, Object> pd : patchDocs) {
                Map<String, Object> target = find(out, str(pd.get("kind")), name(pd));
                if (target == null) {
                    throw new IllegalArgumentException(dir + ": patch for " + pd.get("kind") + "/" + name(pd) + " matches no resource");
                }
                merge(target, pd);
            }
        }
        String namespace = str(k.get("namespace"));
        if (namespace != null) {
            for (Map<String, Object> d : out) {
                if (!"Namespace".equals(d.get("kind"))) {
                    map(d.computeIfAbsent("metadata", x -> new LinkedHashMap<>())).put("namespace", namespace);
                }
            }
        }
        return out;
    }

    /** Strategic merge of {@code patch} into {@code target} (in place). */
    @SuppressWarnings("unchecked")
    static void merge(Map<String, Object> target, Map<String, Object> patch) {
        for (var e : patch.entrySet()) {
            Object t = target.get(e.getKey());
            Object p = e.getValue();
            if (t instanceof Map && p instanceof Map) {
                merge((Map<String, Object>) t, (Map<String, Object>) p);
            } else if (t instanceof List<?> tl && p instanceof List<?> pl && named(tl) && named(pl)) {
                List<Object> merged = new ArrayList<>(tl);
                for (Object item : pl) {
                    Map<String, Object> pi = (Map<String, Object>) item;
                    Map<String, Object> existing = null;
                    for (Object m : merged) {
                        if (Objects.equals(((Map<String, Object>) m).get("name"), pi.get("name"))) existing = (Map<String, Object>) m;
                    }
                    if (existing != null) merge(existing, pi);
                    else merged.add(pi);
                }
                target.put(e.getKey(), merged);
            } else {
                target.put(e.getKey(), p);
            }
        }
    }

    private static boolean named(List<?> l) {
        return !l.isEmpty() && l.stream().allMatch(i -> i instanceof Map<?, ?> m && m.get("name") != null);
    }

    static Map<String, Object> find(List<Map<String, Object>> docs, String kind, String name) {
        for (Map<String, Object> d : docs) {
            if (Objects.equals(d.get("kind"), kind) && Objects.equals(name(d), name)) return d;
        }
        return null;
    }

    // ---- small accessors over SnakeYAML's maps and lists ----

    @SuppressWarnings("unchecked")
    public static Map<String, Object> map(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    public static List<?> list(Object o) {
        return o instanceof List<?> l ? l : List.of();
    }

    public static String str(Object o) {
        return o == null ? null : o.toString();
    }

    /** Follows a path of keys through nested maps; null if any step is missing. */
    public static Object at(Object root, String... keys) {
        Object cur = root;
        for (String k : keys) {
            if (!(cur instanceof Map<?, ?> m)) return null;
            cur = m.get(k);
        }
        return cur;
    }

    public static String name(Map<String, Object> doc) {
        return str(at(doc, "metadata", "name"));
    }
}
