package io.prism.deploy;

import static io.prism.deploy.Manifests.at;
import static io.prism.deploy.Manifests.list;
import static io.prism.deploy.Manifests.map;
import static io.prism.deploy.Manifests.name;
import static io.prism.deploy.Manifests.str;

import io.prism.platform.health.Health;
import io.prism.platform.topics.TopicSpec;
import io.prism.platform.topics.Topics;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks deployment manifests against the code: every variable a Prism container gets is one its service reads,
 * ports and probes are the services' real ones, the Kafka topics are the catalogue's, the autoscaler respects the
 * partition count, and no secret value is committed. Returns the problems found (empty: consistent), each naming
 * where it is, so a test can print them all at once.
 */
public final class ManifestChecks {
    /**
     * Variables that are not Prism's but are read inside the container: by the JVM itself, by DJL (engine cache,
     * offline switch, which libtorch to load) or by the NVIDIA container runtime. Anything else is a typo or stale.
     */
    public static final Set<String> RUNTIME_VARIABLES = Set.of("JAVA_TOOL_OPTIONS", "DJL_OFFLINE", "OPT_OUT_TRACKING",
            "DJL_CACHE_DIR", "ENGINE_CACHE_DIR", "PYTORCH_LIBRARY_PATH", "PYTORCH_VERSION", "PYTORCH_FLAVOR",
            "NVIDIA_VISIBLE_DEVICES", "NVIDIA_DRIVER_CAPABILITIES", "OMP_NUM_THREADS");

    private final CodeFacts code;
    private final String secretsDoc;
    private final List<String> problems = new ArrayList<>();

    /**
     * @param secretsDoc text that documents how to create the Secrets the manifests reference (deploy/README.md):
     *                   a referenced Secret and key must appear there unless an operator generates them.
     */
    public ManifestChecks(CodeFacts code, String secretsDoc) {
        this.code = code;
        this.secretsDoc = secretsDoc;
    }

    // ------------------------------------------------------------------ Kubernetes

    public List<String> checkKubernetes(String where, List<Map<String, Object>> docs) {
        problems.clear();
        Map<String, Map<String, Object>> configMaps = new HashMap<>();
        Map<String, Map<String, String>> prismEnvByService = new HashMap<>();
        Map<String, Map<String, Object>> containerByService = new HashMap<>();
        Map<String, Map<String, Object>> deploymentByName = new HashMap<>();
        Set<String> generatedSecrets = new HashSet<>();
        for (Map<String, Object> d : docs) {
            switch (Objects.toString(d.get("kind"), "")) {
                case "ConfigMap" -> configMaps.put(name(d), map(d.get("data")));
                case "Cluster" -> generatedSecrets.add(name(d) + "-app"); // CloudNativePG: <cluster>-app
                case "Secret" -> {
                    if (!map(d.get("data")).isEmpty() || !map(d.get("stringData")).isEmpty()) {
                        problem(where, "Secret/" + name(d), "commits secret values; reference Secrets created out of band instead");
                    }
                }
                default -> { }
            }
        }
        for (Map<String, Object> d : docs) {
            if (!"Deployment".equals(d.get("kind"))) continue;
            String dep = "Deployment/" + name(d);
            deploymentByName.put(name(d), d);
            Map<String, Object> pod = map(at(d, "spec", "template", "spec"));
            for (Object c : list(pod.get("containers"))) {
                Map<String, Object> container = map(c);
                String service = servedService(container);
                if (service == null) {
                    problem(where, dep, "container " + container.get("name") + " does not run `serve <service>`");
                    continue;
                }
                String ctx = dep + " (serve " + service + ")";
                if (!CodeFacts.SERVICES.contains(service)) {
                    problem(where, ctx, "unknown service '" + service + "'; services: " + CodeFacts.SERVICES);
                    continue;
                }
                containerByService.put(service, container);
                Map<String, String> env = containerEnv(where, ctx, container, configMaps, generatedSecrets);
                prismEnvByService.put(service, env);
                checkVariables(where, ctx, service, env.keySet());
                int httpPort = checkPorts(where, ctx, service, container, env);
                checkProbes(where, ctx, container, httpPort);
                checkHardening(where, ctx, pod, container);
                Map<String, Object> requests = map(at(container, "resources", "requests"));
                if (requests.get("cpu") == null || requests.get("memory") == null) {
                    problem(where, ctx, "resources.requests must give cpu and memory");
                }
            }
        }
        for (String s : CodeFacts.SERVICES) {
            if (!containerByService.containsKey(s)) problem(where, "services", "no Deployment runs `serve " + s + "`");
        }
        checkServices(where, docs, deploymentByName);
        for (Map<String, Object> pdb : docs) {
            if (!"PodDisruptionBudget".equals(pdb.get("kind"))) continue;
            Map<String, Object> selector = map(at(pdb, "spec", "selector", "matchLabels"));
            boolean matches = !selector.isEmpty() && deploymentByName.values().stream().anyMatch(d ->
                    map(at(d, "spec", "template", "metadata", "labels")).entrySet().containsAll(selector.entrySet()));
            if (!matches) problem(where, "PodDisruptionBudget/" + name(pdb), "selects no Deployment's pods");
        }
        checkKafka(where, docs, configMaps, prismEnvByService);
        checkScaler(where, docs, deploymentByName, prismEnvByService);
        checkServiceMonitor(where, docs);
        checkIngress(where, docs);
        checkDatabase(where, docs, prismEnvByService);
        return List.copyOf(problems);
    }

    private static String servedService(Map<String, Object> container) {
        List<String> argv = new ArrayList<>();
        list(container.get("command")).forEach(a -> argv.add(a.toString()));
        list(container.get("args")).forEach(a -> argv.add(a.toString()));
        int i = argv.indexOf("serve");
        return i >= 0 && i + 1 < argv.size() ? argv.get(i + 1) : null;
    }

    /** The container's environment: envFrom ConfigMaps first, then env (values; "(secret)" for secret refs). */
    private Map<String, String> containerEnv(String where, String ctx, Map<String, Object> container,
                                             Map<String, Map<String, Object>> configMaps, Set<String> generatedSecrets) {
        Map<String, String> env = new LinkedHashMap<>();
        for (Object ef : list(container.get("envFrom"))) {
            String cm = str(at(ef, "configMapRef", "name"));
            if (cm != null) {
                Map<String, Object> data = configMaps.get(cm);
                if (data == null) {
                    problem(where, ctx, "envFrom ConfigMap " + cm + " is not among the manifests");
                } else {
                    data.forEach((k, v) -> env.put(k, str(v)));
                }
            }
            if (at(ef, "secretRef") != null) {
                problem(where, ctx, "envFrom secretRef hides which variables are set; use env with secretKeyRef");
            }
        }
        Set<String> seen = new HashSet<>();
        for (Object e : list(container.get("env"))) {
            String n = str(map(e).get("name"));
            if (!seen.add(n)) problem(where, ctx, "sets " + n + " twice");
            Map<String, Object> secretRef = map(at(e, "valueFrom", "secretKeyRef"));
            if (!secretRef.isEmpty()) {
                String secret = str(secretRef.get("name"));
                String key = str(secretRef.get("key"));
                if (!generatedSecrets.contains(secret) && !(secretsDoc.contains(secret) && secretsDoc.contains(key))) {
                    problem(where, ctx, n + " reads Secret " + secret + " key " + key
                            + " which neither an operator creates nor deploy/README.md documents");
                }
                env.put(n, "(secret)");
            } else {
                env.put(n, str(map(e).get("value")));
            }
        }
        return env;
    }

    private void checkVariables(String where, String ctx, String service, Set<String> names) {
        // A service whose module has no sources yet (it lands later) cannot be checked for its own variables.
        boolean known = code.hasConfig(service);
        Set<String> readable = code.variablesReadBy(service);
        for (String n : names) {
            if (n.startsWith("PRISM_")) {
                if (!readable.contains(n) && known) {
                    List<String> readers = code.modulesReading(n);
                    problem(where, ctx, "sets " + n + " which " + service + " does not read"
                            + (readers.isEmpty() ? " (no module reads it)" : " (read by " + readers + ")"));
                }
            } else if (!RUNTIME_VARIABLES.contains(n)) {
                problem(where, ctx, "sets " + n + ", neither a Prism variable nor one the JVM/DJL/CUDA runtime reads");
            }
        }
    }

    /** The http port must be the one the service listens on: its PRISM_*_PORT as set, else the code's default. */
    private int checkPorts(String where, String ctx, String service, Map<String, Object> container, Map<String, String> env) {
        Integer http = null;
        for (Object p : list(container.get("ports"))) {
            if ("http".equals(str(map(p).get("name")))) http = toInt(map(p).get("containerPort"));
        }
        if (http == null) {
            problem(where, ctx, "has no container port named http");
            return -1;
        }
        Map<String, Integer> defaults = code.portDefaults(service);
        if (defaults.isEmpty()) {
            if (code.hasConfig(service)) problem(where, ctx, "the code of " + service + " declares no PRISM_*_PORT default");
            return http;
        }
        Set<Integer> listening = new TreeSet<>();
        defaults.forEach((var, def) -> {
            String set = env.get(var);
            listening.add(set != null && set.matches("\\d+") ? Integer.parseInt(set) : def);
        });
        if (!listening.contains(http)) {
            problem(where, ctx, "containerPort http=" + http + " but " + service + " listens on " + listening + " " + defaults.keySet());
        }
        return http;
    }

    private void checkProbes(String where, String ctx, Map<String, Object> container, int httpPort) {
        checkProbe(where, ctx, container, "livenessProbe", Health.LIVE, httpPort, true);
        checkProbe(where, ctx, container, "readinessProbe", Health.READY, httpPort, true);
        checkProbe(where, ctx, container, "startupProbe", Health.LIVE, httpPort, false);
    }

    private void checkProbe(String where, String ctx, Map<String, Object> container, String probe, String path,
                            int httpPort, boolean required) {
        Map<String, Object> get = map(at(container, probe, "httpGet"));
        if (get.isEmpty()) {
            if (required) problem(where, ctx, probe + " must be an httpGet on " + path);
            return;
        }
        if (!path.equals(str(get.get("path")))) {
            problem(where, ctx, probe + " path " + get.get("path") + " is not " + path);
        }
        Integer port = resolvePort(container, get.get("port"));
        if (port == null || port != httpPort) {
            problem(where, ctx, probe + " port " + get.get("port") + " is not the service's http port " + httpPort);
        }
    }

    private static Integer resolvePort(Map<String, Object> container, Object port) {
        if (port instanceof Number n) return n.intValue();
        for (Object p : list(container.get("ports"))) {
            if (Objects.equals(str(map(p).get("name")), str(port))) return toInt(map(p).get("containerPort"));
        }
        return null;
    }

    private void checkHardening(String where, String ctx, Map<String, Object> pod, Map<String, Object> container) {
        if (!Boolean.TRUE.equals(at(container, "securityContext", "readOnlyRootFilesystem"))) {
            problem(where, ctx, "must run with securityContext.readOnlyRootFilesystem: true");
        }
        if (!Boolean.TRUE.equals(at(pod, "securityContext", "runAsNonRoot"))
                && !Boolean.TRUE.equals(at(container, "securityContext", "runAsNonRoot"))) {
            problem(where, ctx, "must set runAsNonRoot: true");
        }
        boolean tmp = list(container.get("volumeMounts")).stream().anyMatch(m -> "/tmp".equals(str(map(m).get("mountPath"))));
        if (!tmp) problem(where, ctx, "needs a writable volume at /tmp (the root file system is read-only)");
    }

    private void checkServices(String where, List<Map<String, Object>> docs, Map<String, Map<String, Object>> deployments) {
        for (Map<String, Object> s : docs) {
            if (!"Service".equals(s.get("kind"))) continue;
            Map<String, Object> selector = map(at(s, "spec", "selector"));
            Map<String, Object> target = null;
            for (Map<String, Object> d : deployments.values()) {
                if (!selector.isEmpty() && map(at(d, "spec", "template", "metadata", "labels")).entrySet().containsAll(selector.entrySet())) {
                    target = d;
                }
            }
            if (target == null) {
                problem(where, "Service/" + name(s), "selects no Deployment");
                continue;
            }
            Map<String, Object> container = map(list(at(target, "spec", "template", "spec", "containers")).get(0));
            for (Object p : list(at(s, "spec", "ports"))) {
                if (resolvePort(container, map(p).get("targetPort")) == null) {
                    problem(where, "Service/" + name(s), "targetPort " + map(p).get("targetPort") + " is no port of Deployment/" + name(target));
                }
            }
        }
    }

    private void checkKafka(String where, List<Map<String, Object>> docs, Map<String, Map<String, Object>> configMaps,
                            Map<String, Map<String, String>> envByService) {
        Set<String> kafkas = new HashSet<>();
        Map<String, Set<String>> rolesByCluster = new HashMap<>();
        Map<String, Map<String, Object>> topics = new HashMap<>();
        for (Map<String, Object> d : docs) {
            String kind = Objects.toString(d.get("kind"), "");
            if (kind.equals("Kafka")) {
                kafkas.add(name(d));
                Map<String, Object> ann = map(at(d, "metadata", "annotations"));
                if (!"enabled".equals(str(ann.get("strimzi.io/kraft"))) || !"enabled".equals(str(ann.get("strimzi.io/node-pools")))) {
                    problem(where, "Kafka/" + name(d), "must run KRaft with node pools (annotations strimzi.io/kraft and strimzi.io/node-pools: enabled)");
                }
                String bootstrap = name(d) + "-kafka-bootstrap:9092";
                envByService.forEach((service, env) -> {
                    if (!bootstrap.equals(env.get("PRISM_KAFKA_BOOTSTRAP"))) {
                        problem(where, service, "PRISM_KAFKA_BOOTSTRAP=" + env.get("PRISM_KAFKA_BOOTSTRAP") + ", expected " + bootstrap);
                    }
                });
            } else if (kind.equals("KafkaNodePool")) {
                String cluster = str(at(d, "metadata", "labels", "strimzi.io/cluster"));
                list(at(d, "spec", "roles")).forEach(r -> rolesByCluster.computeIfAbsent(cluster, x -> new HashSet<>()).add(r.toString()));
            } else if (kind.equals("KafkaTopic")) {
                String topic = Objects.requireNonNullElse(str(at(d, "spec", "topicName")), name(d));
                if (topics.put(topic, d) != null) problem(where, "KafkaTopic " + topic, "declared twice");
                String cluster = str(at(d, "metadata", "labels", "strimzi.io/cluster"));
                if (!kafkas.isEmpty() && !kafkas.contains(cluster) && docs.stream().noneMatch(k -> "Kafka".equals(k.get("kind")) && Objects.equals(name(k), cluster))) {
                    problem(where, "KafkaTopic " + topic, "belongs to cluster " + cluster + " which is not declared");
                }
            }
        }
        if (docs.stream().noneMatch(d -> "Kafka".equals(d.get("kind")))) problem(where, "Kafka", "no Strimzi Kafka resource");
        for (String k : kafkas) {
            Set<String> roles = rolesByCluster.getOrDefault(k, Set.of());
            if (!roles.contains("controller") || !roles.contains("broker")) {
                problem(where, "Kafka/" + k, "its KafkaNodePools must provide controller and broker roles, have " + roles);
            }
        }
        Set<String> catalogue = new TreeSet<>();
        for (TopicSpec spec : Topics.all()) {
            catalogue.add(spec.name());
            Map<String, Object> t = topics.get(spec.name());
            if (t == null) {
                problem(where, "KafkaTopic " + spec.name(), "missing (Topics.all() declares it)");
                continue;
            }
            Integer partitions = toInt(at(t, "spec", "partitions"));
            if (partitions == null || partitions < spec.partitions()) {
                problem(where, "KafkaTopic " + spec.name(), "has " + partitions + " partitions, the code declares " + spec.partitions());
            }
            Integer replicas = toInt(at(t, "spec", "replicas"));
            if (replicas == null || replicas < spec.replicationFactor()) {
                problem(where, "KafkaTopic " + spec.name(), "has " + replicas + " replicas, the code declares " + spec.replicationFactor());
            }
            Map<String, Object> config = map(at(t, "spec", "config"));
            spec.configs().forEach((k, v) -> {
                if (!v.equals(str(config.get(k)))) {
                    problem(where, "KafkaTopic " + spec.name(), "config " + k + "=" + config.get(k) + ", the code declares " + v);
                }
            });
        }
        for (String t : topics.keySet()) {
            if (!catalogue.contains(t)) problem(where, "KafkaTopic " + t, "is not in the code's topic catalogue (Topics.all())");
        }
        for (String t : code.topicNames()) {
            if (!topics.containsKey(t)) problem(where, "topic " + t, "is named in the code but has no KafkaTopic");
        }
    }

    private void checkScaler(String where, List<Map<String, Object>> docs, Map<String, Map<String, Object>> deployments,
                             Map<String, Map<String, String>> envByService) {
        List<Map<String, Object>> scalers = docs.stream().filter(d -> "ScaledObject".equals(d.get("kind"))).toList();
        if (scalers.isEmpty()) problem(where, "gpu-worker", "no KEDA ScaledObject scales it");
        for (Map<String, Object> s : scalers) {
            String ctx = "ScaledObject/" + name(s);
            String target = str(at(s, "spec", "scaleTargetRef", "name"));
            if (!"gpu-worker".equals(target) || !deployments.containsKey(target)) {
                problem(where, ctx, "must scale Deployment gpu-worker, scales " + target);
            }
            Integer max = toInt(at(s, "spec", "maxReplicaCount"));
            if (max == null || max > Topics.FRAMES.partitions()) {
                problem(where, ctx, "maxReplicaCount " + max + " exceeds the " + Topics.FRAMES.partitions() + " partitions of " + Topics.FRAMES.name());
            }
            List<?> triggers = list(at(s, "spec", "triggers"));
            if (triggers.size() != 1 || !"kafka".equals(str(map(triggers.get(0)).get("type")))) {
                problem(where, ctx, "must have exactly one kafka trigger");
                continue;
            }
            Map<String, Object> meta = map(map(triggers.get(0)).get("metadata"));
            if (!Topics.FRAMES.name().equals(str(meta.get("topic")))) {
                problem(where, ctx, "scales on topic " + meta.get("topic") + ", not " + Topics.FRAMES.name());
            }
            Map<String, String> env = envByService.getOrDefault("gpu-worker", Map.of());
            String group = env.get("PRISM_WORKER_GROUP");
            if (group == null) group = code.defaultOf("gpu-worker", "PRISM_WORKER_GROUP").orElse(null);
            if (group == null && code.hasConfig("gpu-worker")) {
                problem(where, ctx, "cannot tell gpu-worker's consumer group (PRISM_WORKER_GROUP neither set nor defaulted in code)");
            } else if (group != null && !group.equals(str(meta.get("consumerGroup")))) {
                problem(where, ctx, "watches consumer group " + meta.get("consumerGroup") + " but gpu-worker consumes as " + group);
            }
            if (!Objects.equals(str(meta.get("bootstrapServers")), env.get("PRISM_KAFKA_BOOTSTRAP"))) {
                problem(where, ctx, "bootstrapServers " + meta.get("bootstrapServers") + " differ from gpu-worker's PRISM_KAFKA_BOOTSTRAP " + env.get("PRISM_KAFKA_BOOTSTRAP"));
            }
        }
    }

    private void checkServiceMonitor(String where, List<Map<String, Object>> docs) {
        List<Map<String, Object>> monitors = docs.stream().filter(d -> "ServiceMonitor".equals(d.get("kind"))).toList();
        if (monitors.isEmpty()) problem(where, "ServiceMonitor", "none: Prometheus would not scrape the services");
        for (Map<String, Object> m : monitors) {
            Map<String, Object> selector = map(at(m, "spec", "selector", "matchLabels"));
            List<Map<String, Object>> selected = docs.stream().filter(d -> "Service".equals(d.get("kind"))
                    && map(at(d, "metadata", "labels")).entrySet().containsAll(selector.entrySet())).toList();
            if (selected.size() < CodeFacts.SERVICES.size()) {
                problem(where, "ServiceMonitor/" + name(m), "selects " + selected.size() + " Services, expected all " + CodeFacts.SERVICES.size());
            }
            for (Object e : list(at(m, "spec", "endpoints"))) {
                if (!Health.METRICS.equals(str(map(e).get("path")))) {
                    problem(where, "ServiceMonitor/" + name(m), "scrapes " + map(e).get("path") + ", the services serve " + Health.METRICS);
                }
                for (Map<String, Object> svc : selected) {
                    boolean hasPort = list(at(svc, "spec", "ports")).stream().anyMatch(p -> Objects.equals(str(map(p).get("name")), str(map(e).get("port"))));
                    if (!hasPort) problem(where, "ServiceMonitor/" + name(m), "port " + map(e).get("port") + " is not a port of Service/" + name(svc));
                }
            }
        }
    }

    private void checkIngress(String where, List<Map<String, Object>> docs) {
        Set<String> exposed = new HashSet<>();
        for (Map<String, Object> ing : docs) {
            if (!"Ingress".equals(ing.get("kind"))) continue;
            for (Object rule : list(at(ing, "spec", "rules"))) {
                for (Object path : list(at(rule, "http", "paths"))) {
                    String svc = str(at(path, "backend", "service", "name"));
                    String port = str(at(path, "backend", "service", "port", "name"));
                    Map<String, Object> service = Manifests.find(docs, "Service", svc);
                    if (service == null) {
                        problem(where, "Ingress/" + name(ing), "routes to Service " + svc + " which does not exist");
                    } else if (list(at(service, "spec", "ports")).stream().noneMatch(p -> Objects.equals(str(map(p).get("name")), port))) {
                        problem(where, "Ingress/" + name(ing), "routes to port " + port + " which Service " + svc + " lacks");
                    }
                    exposed.add(svc);
                }
            }
        }
        for (String s : List.of("ingest-service", "results-api")) {
            if (!exposed.contains(s)) problem(where, "Ingress", "does not expose " + s);
        }
    }

    private void checkDatabase(String where, List<Map<String, Object>> docs, Map<String, Map<String, String>> envByService) {
        List<Map<String, Object>> clusters = docs.stream().filter(d -> "Cluster".equals(d.get("kind"))
                && Objects.toString(d.get("apiVersion"), "").startsWith("postgresql.cnpg.io/")).toList();
        if (clusters.size() != 1) {
            problem(where, "CloudNativePG", "expected one postgresql.cnpg.io Cluster, found " + clusters.size());
            return;
        }
        String host = "//" + name(clusters.get(0)) + "-rw:";
        envByService.forEach((service, env) -> {
            String url = env.get("PRISM_JDBC_URL");
            if (url == null || !url.contains(host)) {
                problem(where, service, "PRISM_JDBC_URL=" + url + " does not point at the cluster's read-write service " + host);
            }
        });
    }

    // ------------------------------------------------------------------ compose

    /** Checks the Prism services of a compose file (those whose command is {@code serve <service>}). */
    public List<String> checkCompose(String where, Map<String, Object> compose) {
        problems.clear();
        Set<String> served = new HashSet<>();
        map(compose.get("services")).forEach((name, def) -> {
            Map<String, Object> svc = map(def);
            List<String> argv = new ArrayList<>();
            list(svc.get("command")).forEach(a -> argv.add(a.toString()));
            int i = argv.indexOf("serve");
            if (i < 0 || i + 1 >= argv.size()) return; // infrastructure (kafka, postgres, minio)
            String service = argv.get(i + 1);
            String ctx = "service " + name + " (serve " + service + ")";
            if (!CodeFacts.SERVICES.contains(service)) {
                problem(where, ctx, "unknown service '" + service + "'");
                return;
            }
            served.add(service);
            Map<String, String> env = new LinkedHashMap<>();
            Object environment = svc.get("environment");
            if (environment instanceof List<?> l) {
                l.forEach(kv -> {
                    String[] p = kv.toString().split("=", 2);
                    env.put(p[0], p.length > 1 ? p[1] : null);
                });
            } else {
                map(environment).forEach((k, v) -> env.put(k, str(v)));
            }
            checkVariables(where, ctx, service, env.keySet());
            if (!Boolean.TRUE.equals(svc.get("read_only"))) problem(where, ctx, "must set read_only: true");
            if (list(svc.get("tmpfs")).stream().noneMatch(t -> t.toString().startsWith("/tmp"))) {
                problem(where, ctx, "needs a tmpfs at /tmp (the root file system is read-only)");
            }
            Map<String, Integer> defaults = code.portDefaults(service);
            Set<Integer> listening = new TreeSet<>();
            defaults.forEach((var, dflt) -> {
                String set = env.get(var);
                listening.add(set != null && set.matches("\\d+") ? Integer.parseInt(set) : dflt);
            });
            for (Object p : list(svc.get("ports"))) {
                String spec = p.toString();
                int container = Integer.parseInt(spec.substring(spec.lastIndexOf(':') + 1).replaceAll("/.*", ""));
                if (!listening.isEmpty() && !listening.contains(container)) {
                    problem(where, ctx, "publishes container port " + container + " but " + service + " listens on " + listening);
                }
            }
        });
        for (String s : CodeFacts.SERVICES) {
            if (!served.contains(s)) problem(where, "services", "no compose service runs `serve " + s + "`");
        }
        return List.copyOf(problems);
    }

    private void problem(String where, String what, String message) {
        problems.add(where + ": " + what + ": " + message);
    }

    private static Integer toInt(Object o) {
        if (o instanceof Number n) return n.intValue();
        if (o != null && o.toString().matches("\\d+")) return Integer.parseInt(o.toString());
        return null;
    }
}
