package io.prism.deploy;

import static io.prism.deploy.Manifests.at;
import static io.prism.deploy.Manifests.list;
import static io.prism.deploy.Manifests.map;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.platform.health.Health;
import io.prism.platform.topics.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every manifest in deploy/ against the code it deploys: the Kustomize base and both overlays (rendered here, and by
 * {@code kubectl kustomize} where it is installed), compose.yaml, and the images' environment. The drift tests
 * break a correct manifest on purpose and check that each kind of mistake is reported.
 */
class ManifestsMatchCodeTest {
    private static Path repo;
    private static Path k8s;
    private static CodeFacts code;
    private static String readme;

    @BeforeAll
    static void scan() throws IOException {
        repo = Path.of(System.getProperty("prism.repo.dir", "..")).toAbsolutePath().normalize();
        k8s = repo.resolve("deploy/k8s");
        code = CodeFacts.scan(repo);
        readme = Files.readString(repo.resolve("deploy/README.md"));
    }

    private static ManifestChecks checks() {
        return new ManifestChecks(code, readme);
    }

    private static List<Map<String, Object>> render(String dir) {
        return Manifests.kustomize(k8s.resolve(dir));
    }

    @Test
    void theSourceScanFindsWhatTheServicesRead() {
        // Shared modules: platform and the S3 blob store (its config record lists its variables).
        assertThat(code.sharedVariables()).contains("PRISM_KAFKA_BOOTSTRAP", "PRISM_JDBC_URL", "PRISM_BLOB_STORE",
                "PRISM_S3_ENDPOINT", "PRISM_S3_BUCKET", "PRISM_S3_PATH_STYLE");
        assertThat(code.topicNames()).contains(Topics.FRAMES.name());
        // Every service has landed its config record: the manifest checks are strict for all four (a service
        // without one would only be checked against the shared variables).
        for (String service : CodeFacts.SERVICES) {
            assertThat(code.hasConfig(service)).as(service + " reads its configuration").isTrue();
            assertThat(code.portDefaults(service)).as(service + " declares its HTTP port").hasSize(1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"base", "overlays/cpu", "overlays/gpu"})
    void kustomizationMatchesTheCode(String dir) {
        assertThat(checks().checkKubernetes(dir, render(dir))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"overlays/cpu", "overlays/gpu"})
    void kubectlKustomizeRendersTheSameAndItToo(String dir) throws Exception {
        assumeTrue(onPath("kubectl"), "kubectl not installed: the built-in renderer's result is checked above");
        Process p = new ProcessBuilder("kubectl", "kustomize", k8s.resolve(dir).toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as(out).isZero();
        List<Map<String, Object>> rendered = Manifests.load(out);
        assertThat(checks().checkKubernetes("kubectl kustomize " + dir, rendered)).isEmpty();
        assertThat(ids(rendered)).isEqualTo(ids(render(dir)));
    }

    @Test
    void gpuOverlayGivesEachWorkerExactlyOneGpuAndCpuOverlayNone() {
        Map<String, Object> gpuWorker = container(render("overlays/gpu"), "gpu-worker");
        assertThat(at(gpuWorker, "resources", "limits", "nvidia.com/gpu")).isEqualTo(1);
        assertThat(env(gpuWorker)).containsEntry("PRISM_WORKER_DEVICE", "gpu:0");
        assertThat(Manifests.str(gpuWorker.get("image"))).isEqualTo("prism-gpu");
        for (Map<String, Object> d : render("overlays/cpu")) {
            if ("Deployment".equals(d.get("kind"))) {
                for (Object c : list(at(d, "spec", "template", "spec", "containers"))) {
                    assertThat(map(at(c, "resources", "limits"))).doesNotContainKey("nvidia.com/gpu");
                }
            }
        }
        Map<String, Object> scaler = Manifests.find(render("overlays/gpu"), "ScaledObject", "gpu-worker");
        assertThat((Integer) at(scaler, "spec", "maxReplicaCount")).isBetween(1, Topics.FRAMES.partitions());
    }

    @Test
    void composeMatchesTheCode() {
        Map<String, Object> compose = Manifests.load(repo.resolve("deploy/compose.yaml")).get(0);
        assertThat(checks().checkCompose("compose.yaml", compose)).isEmpty();
        // The anchors were merged: every service got the shared platform settings.
        assertThat(map(at(compose, "services", "gpu-worker", "environment"))).containsKeys("PRISM_KAFKA_BOOTSTRAP", "PRISM_S3_ENDPOINT");
    }

    @Test
    void everyManifestFileParsesAndIsPartOfAKustomization() throws IOException {
        Set<Path> referenced = new HashSet<>();
        try (Stream<Path> walk = Files.walk(k8s)) {
            for (Path kf : walk.filter(f -> f.getFileName().toString().equals("kustomization.yaml")).toList()) {
                Map<String, Object> k = Manifests.load(kf).get(0);
                list(k.get("resources")).forEach(r -> referenced.add(kf.getParent().resolve(r.toString()).normalize()));
                list(k.get("patches")).forEach(pt -> referenced.add(kf.getParent().resolve(map(pt).get("path").toString()).normalize()));
            }
        }
        try (Stream<Path> walk = Files.walk(k8s)) {
            for (Path f : walk.filter(x -> x.toString().endsWith(".yaml") && !x.getFileName().toString().equals("kustomization.yaml")).toList()) {
                assertThat(Manifests.load(f)).as(f + " parses").isNotEmpty();
                assertThat(referenced).as(f + " is listed in a kustomization").contains(f.normalize());
            }
        }
    }

    @Test
    void imagesSetOnlyVariablesTheCodeOrRuntimeReads() throws IOException {
        Set<String> known = new TreeSet<>(code.allVariables());
        known.addAll(ManifestChecks.RUNTIME_VARIABLES);
        // Dockerfile ENV lines, continuation lines included.
        String dockerfile = Files.readString(repo.resolve("deploy/docker/Dockerfile")).replace("\\\n", " ");
        List<String> set = new ArrayList<>();
        for (String line : dockerfile.split("\n")) {
            if (line.startsWith("ENV ")) {
                Matcher m = Pattern.compile("([A-Z_][A-Z0-9_]*)=").matcher(line.replaceAll("\"[^\"]*\"", "\"\""));
                while (m.find()) set.add(m.group(1));
            }
        }
        // Jib's <environment> in launcher's -Pjib profile.
        Matcher jib = Pattern.compile("<environment>(.*?)</environment>", Pattern.DOTALL).matcher(Files.readString(repo.resolve("launcher/pom.xml")));
        assertThat(jib.find()).as("launcher/pom.xml has a jib profile with an environment").isTrue();
        Matcher tags = Pattern.compile("<([A-Z_][A-Z0-9_]*)>").matcher(jib.group(1));
        while (tags.find()) set.add(tags.group(1));
        assertThat(set).contains("PRISM_DATA_DIR", "DJL_OFFLINE", "PYTORCH_LIBRARY_PATH");
        assertThat(set).allSatisfy(v -> assertThat(known).as("image variable " + v).contains(v));
    }

    @Test
    void imagesExposeEveryServicesPort() throws IOException {
        Set<Integer> ports = new TreeSet<>();
        CodeFacts.SERVICES.forEach(s -> ports.addAll(code.portDefaults(s).values()));
        assertThat(ports).isNotEmpty();
        Matcher expose = Pattern.compile("(?m)^EXPOSE (.+)$").matcher(Files.readString(repo.resolve("deploy/docker/Dockerfile")));
        assertThat(expose.find()).isTrue();
        Set<Integer> exposed = new TreeSet<>();
        for (String p : expose.group(1).trim().split("\\s+")) exposed.add(Integer.parseInt(p));
        assertThat(exposed).as("Dockerfile EXPOSE").containsAll(ports);
        Matcher jib = Pattern.compile("<port>(\\d+)</port>").matcher(Files.readString(repo.resolve("launcher/pom.xml")));
        Set<Integer> jibPorts = new TreeSet<>();
        while (jib.find()) jibPorts.add(Integer.parseInt(jib.group(1)));
        assertThat(jibPorts).as("Jib <ports>").containsAll(ports);
        // The smoke test polls each service's health on its default port.
        String smoke = Files.readString(repo.resolve("deploy/docker/smoke-test.sh"));
        for (String s : CodeFacts.SERVICES) {
            code.portDefaults(s).values().forEach(p -> assertThat(smoke).as("smoke-test.sh port of " + s).contains("[" + s + "]=" + p));
        }
    }

    // ---------------------------------------------------------------- the checks catch each kind of drift

    @Test
    void catchesAnUnknownPrismVariableAndAVariableOfAnotherService() {
        assumeTrue(code.hasConfig("gpu-worker"), "gpu-worker's config has not landed");
        List<Map<String, Object>> docs = render("overlays/gpu");
        addEnv(container(docs, "gpu-worker"), "PRISM_WORKER_PORTT", "8081");
        addEnv(container(docs, "gpu-worker"), "JAVA_OPTS", "-Xmx1g");
        // Another service's variable: one of the worker's set on a service that does not read it.
        String other = CodeFacts.SERVICES.stream().filter(s -> !s.equals("gpu-worker") && code.hasConfig(s)).findFirst().orElse(null);
        if (other != null) addEnv(container(docs, other), "PRISM_WORKER_MAX_BATCH", "4");
        List<String> problems = checks().checkKubernetes("gpu", docs);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("PRISM_WORKER_PORTT").contains("no module reads it"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("JAVA_OPTS"));
        if (other != null) {
            assertThat(problems).anySatisfy(p -> assertThat(p).contains(other + " does not read").contains("PRISM_WORKER_MAX_BATCH").contains("gpu-worker"));
        }
    }

    @Test
    void catchesWrongProbesPortsAndMissingHardening() {
        List<Map<String, Object>> docs = render("base");
        Map<String, Object> api = container(docs, "results-api");
        map(at(api, "readinessProbe", "httpGet")).put("path", "/ready");
        map(list(api.get("ports")).get(0)).put("containerPort", 9999);
        map(api.get("securityContext")).put("readOnlyRootFilesystem", false);
        map(at(Manifests.find(docs, "PodDisruptionBudget", "results-api"), "spec", "selector", "matchLabels"))
                .put("app.kubernetes.io/name", "results");
        List<String> problems = checks().checkKubernetes("base", docs);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("PodDisruptionBudget/results-api").contains("selects no"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("readinessProbe path /ready is not " + Health.READY));
        if (code.hasConfig("results-api")) {
            assertThat(problems).anySatisfy(p -> assertThat(p).contains("containerPort http=9999"));
        }
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("readOnlyRootFilesystem"));
    }

    @Test
    void catchesTopicScalerAndSecretDrift() {
        List<Map<String, Object>> docs = render("base");
        Map<String, Object> frames = docs.stream().filter(d -> "KafkaTopic".equals(d.get("kind"))
                && Topics.FRAMES.name().equals(at(d, "spec", "topicName"))).findFirst().orElseThrow();
        map(frames.get("spec")).put("partitions", Topics.FRAMES.partitions() - 1);
        docs.removeIf(d -> "KafkaTopic".equals(d.get("kind")) && Topics.MODELS.name().equals(at(d, "spec", "topicName")));
        map(Manifests.find(docs, "ScaledObject", "gpu-worker").get("spec")).put("maxReplicaCount", Topics.FRAMES.partitions() + 1);
        docs.add(new java.util.HashMap<>(Map.of("kind", "Secret", "metadata", Map.of("name", "oops"), "stringData", Map.of("password", "hunter2"))));
        List<String> problems = checks().checkKubernetes("base", docs);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(Topics.FRAMES.name()).contains("partitions"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains(Topics.MODELS.name()).contains("missing"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("maxReplicaCount " + (Topics.FRAMES.partitions() + 1)));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("Secret/oops").contains("commits secret values"));
    }

    @Test
    void catchesDriftInCompose() {
        assumeTrue(code.hasConfig("gpu-worker"), "gpu-worker's config has not landed");
        Map<String, Object> compose = Manifests.load(repo.resolve("deploy/compose.yaml")).get(0);
        Map<String, Object> worker = map(at(compose, "services", "gpu-worker"));
        Map<String, Object> env = new java.util.LinkedHashMap<>(map(worker.get("environment")));
        env.put("PRISM_S3_BUKET", "typo");
        worker.put("environment", env);
        worker.put("read_only", false);
        List<String> problems = checks().checkCompose("compose.yaml", compose);
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("PRISM_S3_BUKET"));
        assertThat(problems).anySatisfy(p -> assertThat(p).contains("read_only"));
    }

    // ---------------------------------------------------------------- helpers

    private static Map<String, Object> container(List<Map<String, Object>> docs, String deployment) {
        Map<String, Object> d = Manifests.find(docs, "Deployment", deployment);
        assertThat(d).as("Deployment " + deployment).isNotNull();
        return map(list(at(d, "spec", "template", "spec", "containers")).get(0));
    }

    @SuppressWarnings("unchecked")
    private static void addEnv(Map<String, Object> container, String name, String value) {
        List<Object> env = new ArrayList<>(list(container.get("env")));
        env.add(Map.of("name", name, "value", value));
        container.put("env", env);
    }

    private static Map<String, String> env(Map<String, Object> container) {
        Map<String, String> m = new java.util.HashMap<>();
        list(container.get("env")).forEach(e -> m.put(Manifests.str(map(e).get("name")), Manifests.str(map(e).get("value"))));
        return m;
    }

    private static Set<String> ids(List<Map<String, Object>> docs) {
        Set<String> ids = new TreeSet<>();
        docs.forEach(d -> ids.add(d.get("kind") + "/" + Manifests.name(d)));
        return ids;
    }

    private static boolean onPath(String command) {
        String path = System.getenv("PATH");
        if (path == null) return false;
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, command))) return true;
        }
        return false;
    }
}
