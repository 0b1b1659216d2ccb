package io.prism.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * What the code itself says a deployment may set: the environment variables each module reads (every
 * {@code "PRISM_…"} string literal in its main sources: config records read them with {@code env.str("PRISM_X", …)}),
 * their literal defaults (ports, consumer group), and the topic names the code mentions. Read from the source
 * tree rather than from a hand-kept list, so a manifest cannot drift from a config record unnoticed.
 *
 * <p>A service's module is named like the service ({@code prism serve gpu-worker} runs module {@code gpu-worker});
 * every other module (platform, blobstore-s3, engine, …) is shared: its variables are read by all services.
 */
public final class CodeFacts {
    /** The services {@code prism serve} runs; each is the module of the same name. */
    public static final List<String> SERVICES = List.of("ingest-service", "gpu-worker", "trainer-service", "results-api");

    private static final Pattern VAR = Pattern.compile("\"(PRISM_[A-Z0-9_]*[A-Z0-9])\"");
    // Defaults only from Env reads (env.integer("PRISM_X", 8081), env.str("PRISM_Y", "z")), not from a map.put of
    // the same name elsewhere (a benchmark setting a port to 0).
    private static final String READ = "\\b(?:str|integer|longValue|decimal|bool)\\(\\s*";
    private static final Pattern INT_DEFAULT = Pattern.compile(READ + "\"(PRISM_[A-Z0-9_]*[A-Z0-9])\"\\s*,\\s*(\\d[\\d_]*)\\s*\\)");
    private static final Pattern STR_DEFAULT = Pattern.compile(READ + "\"(PRISM_[A-Z0-9_]*[A-Z0-9])\"\\s*,\\s*\"([^\"]*)\"\\s*\\)");
    private static final Pattern TOPIC = Pattern.compile("\"(prism\\.[a-z0-9.]+\\.v\\d+)\"");
    private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");

    private final Map<String, Set<String>> varsByModule;
    private final Map<String, Map<String, String>> defaultsByModule;
    private final Set<String> topicNames;

    CodeFacts(Map<String, Set<String>> varsByModule, Map<String, Map<String, String>> defaultsByModule, Set<String> topicNames) {
        this.varsByModule = varsByModule;
        this.defaultsByModule = defaultsByModule;
        this.topicNames = topicNames;
    }

    /** Scans {@code src/main/java} of every module listed in the root pom under {@code repo}. */
    public static CodeFacts scan(Path repo) {
        try {
            String rootPom = Files.readString(repo.resolve("pom.xml"));
            Map<String, Set<String>> vars = new TreeMap<>();
            Map<String, Map<String, String>> defaults = new TreeMap<>();
            Set<String> topics = new TreeSet<>();
            Matcher mm = MODULE.matcher(rootPom);
            while (mm.find()) {
                String module = mm.group(1).trim();
                Set<String> mv = new TreeSet<>();
                Map<String, String> md = new TreeMap<>();
                Path src = repo.resolve(module).resolve("src/main/java");
                if (Files.isDirectory(src)) {
                    try (Stream<Path> files = Files.walk(src)) {
                        for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                            String text = Files.readString(f);
                            collect(VAR, text, m -> mv.add(m.group(1)));
                            collect(INT_DEFAULT, text, m -> md.putIfAbsent(m.group(1), m.group(2).replace("_", "")));
                            collect(STR_DEFAULT, text, m -> md.putIfAbsent(m.group(1), m.group(2)));
                            collect(TOPIC, text, m -> topics.add(m.group(1)));
                        }
                    }
                }
                vars.put(module, mv);
                defaults.put(module, md);
            }
            return new CodeFacts(vars, defaults, topics);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot scan the sources under " + repo, e);
        }
    }

    private static void collect(Pattern p, String text, java.util.function.Consumer<Matcher> each) {
        Matcher m = p.matcher(text);
        while (m.find()) {
            each.accept(m);
        }
    }

    public Set<String> modules() {
        return Collections.unmodifiableSet(varsByModule.keySet());
    }

    /** Whether the service's module exists and has main sources that read at least one variable. */
    public boolean hasConfig(String service) {
        return !varsByModule.getOrDefault(service, Set.of()).isEmpty();
    }

    /** Variables every service reads: those of the shared modules. */
    public Set<String> sharedVariables() {
        Set<String> s = new TreeSet<>();
        varsByModule.forEach((module, vars) -> {
            if (!SERVICES.contains(module)) s.addAll(vars);
        });
        return s;
    }

    /** Variables {@code prism serve <service>} reads: its module's plus the shared ones. */
    public Set<String> variablesReadBy(String service) {
        Set<String> s = new TreeSet<>(sharedVariables());
        s.addAll(varsByModule.getOrDefault(service, Set.of()));
        return s;
    }

    /** Every variable any module reads. */
    public Set<String> allVariables() {
        Set<String> s = new TreeSet<>();
        varsByModule.values().forEach(s::addAll);
        return s;
    }

    /** The service module's own variables whose names end in _PORT, with their literal default. */
    public Map<String, Integer> portDefaults(String service) {
        Map<String, Integer> ports = new TreeMap<>();
        defaultsByModule.getOrDefault(service, Map.of()).forEach((var, value) -> {
            if (var.endsWith("_PORT") && value.matches("\\d+")) ports.put(var, Integer.parseInt(value));
        });
        return ports;
    }

    /** The literal default of a variable as the service (or a shared module) declares it. */
    public Optional<String> defaultOf(String service, String variable) {
        String own = defaultsByModule.getOrDefault(service, Map.of()).get(variable);
        if (own != null) return Optional.of(own);
        for (var e : defaultsByModule.entrySet()) {
            if (!SERVICES.contains(e.getKey()) && e.getValue().containsKey(variable)) {
                return Optional.of(e.getValue().get(variable));
            }
        }
        return Optional.empty();
    }

    /** Topic names ({@code prism.<x>.v<n>}) written as literals anywhere in the main sources. */
    public Set<String> topicNames() {
        return Collections.unmodifiableSet(topicNames);
    }

    /** For messages: which modules read a variable. */
    public List<String> modulesReading(String variable) {
        List<String> m = new ArrayList<>();
        varsByModule.forEach((module, vars) -> {
            if (vars.contains(variable)) m.add(module);
        });
        return m;
    }
}
