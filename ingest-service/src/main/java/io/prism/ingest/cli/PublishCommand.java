package io.prism.ingest.cli;

import io.prism.platform.retry.Backoff;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code prism publish}: what a render farm's post-task script calls once a frame is written. Registers the frame's
 * path with the ingest service (the service reads it from the shared render storage), or with {@code --upload}
 * streams the file's bytes. With {@code --albedo}/{@code --mask} (or {@code --pair} for AOV layers inside the EXR)
 * it submits a ground-truth pair.
 *
 * <p>Exit status: 0 accepted (also when it was already accepted before: resubmission is safe), 1 refused by the
 * service (the reason is printed; retrying will not help), 75 the service could not be reached or failed after
 * {@code --retries} attempts (a farm may requeue the task).
 */
@Command(name = "publish", mixinStandardHelpOptions = true,
        description = "Submit a rendered frame to Prism's ingest service (for a farm's post-task script).")
public final class PublishCommand implements Callable<Integer> {
    public static final int REFUSED = 1;
    public static final int UNAVAILABLE = 75;
    /** Between attempts: 500 ms doubling to 10 s. */
    private static final Backoff RETRY = new Backoff(Duration.ofMillis(500), Duration.ofSeconds(10));

    @Spec CommandSpec spec;

    @Option(names = "--server", defaultValue = "${env:PRISM_INGEST_URL:-http://localhost:8081}",
            description = "ingest service URL (env PRISM_INGEST_URL; default ${DEFAULT-VALUE})")
    String server;

    @Option(names = "--token", defaultValue = "${env:PRISM_TOKEN:-prism-dev-token}",
            description = "API token with the submit scope (env PRISM_TOKEN)")
    String token;

    @Option(names = "--job", required = true, description = "the farm's job id") String job;
    @Option(names = "--show", required = true) String show;
    @Option(names = "--shot", required = true) String shot;
    @Option(names = "--layer", defaultValue = "beauty", description = "render layer / pass (default ${DEFAULT-VALUE})") String layer;
    @Option(names = "--frame", required = true, description = "frame number") int frame;
    @Option(names = "--path", required = true, description = "the rendered EXR") Path path;
    @Option(names = "--upload", description = "stream the file instead of registering its path "
            + "(when the ingest service cannot see the farm's storage)") boolean upload;
    @Option(names = "--albedo", description = "albedo AOV file: submit a ground-truth pair") Path albedo;
    @Option(names = "--mask", description = "transparency-mask AOV file: submit a ground-truth pair") Path mask;
    @Option(names = "--pair", description = "submit a ground-truth pair from AOV layers inside the EXR") boolean pair;
    @Option(names = "--style", description = "style label of a pair") String style;
    @Option(names = "--beauty-layer", defaultValue = "${env:PRISM_BEAUTY_LAYER}", description = "the beauty's part, "
            + "layer or view when the default rules (unprefixed RGB, a part/layer named rgba, beauty, Ci or combined, "
            + "the default view) do not fit (env PRISM_BEAUTY_LAYER); sent as the frame attribute beautyLayer")
    String beautyLayer;
    @Option(names = "--attr", description = "attribute key=value (repeatable)") Map<String, String> attributes = new LinkedHashMap<>();
    @Option(names = "--retries", defaultValue = "5", description = "attempts when the service is unreachable (default ${DEFAULT-VALUE})") int retries;
    @Option(names = "--timeout", defaultValue = "120", description = "seconds per attempt (default ${DEFAULT-VALUE})") int timeoutSeconds;

    @Override
    public Integer call() throws InterruptedException {
        if (beautyLayer != null && !beautyLayer.isBlank()) attributes.put("beautyLayer", beautyLayer.trim());
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean isPair = pair || albedo != null || mask != null;
        if (upload) {
            for (Path f : new Path[] {path, albedo, mask}) {
                if (f != null && !Files.isRegularFile(f)) {
                    err.println("prism publish: no file to upload at " + f);
                    err.flush();
                    return REFUSED;
                }
            }
        }
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(10)).build();
        String lastProblem = "no attempt made";
        for (int attempt = 1; attempt <= Math.max(1, retries); attempt++) {
            try {
                HttpRequest request = isPair ? pairRequest() : frameRequest();
                HttpResponse<String> resp = client.send(request, HttpResponse.BodyHandlers.ofString());
                int status = resp.statusCode();
                if (status / 100 == 2) {
                    out.println(summary(resp.body(), isPair));
                    out.flush();
                    return 0;
                }
                String reason = reasonOf(resp.body());
                if (status / 100 == 4) {
                    err.println("prism publish: refused by the ingest service (HTTP " + status + "): " + reason);
                    err.flush();
                    return REFUSED;
                }
                lastProblem = "HTTP " + status + ": " + reason;
            } catch (IOException e) {
                lastProblem = "cannot reach " + server + ": " + e;
            }
            if (attempt < retries) {
                long backoffMs = RETRY.delayMs(attempt);
                err.println("prism publish: attempt " + attempt + " failed (" + lastProblem + "), retrying in " + backoffMs + " ms");
                err.flush();
                Thread.sleep(backoffMs);
            }
        }
        err.println("prism publish: not accepted after " + retries + " attempts: " + lastProblem);
        err.flush();
        return UNAVAILABLE;
    }

    private HttpRequest frameRequest() throws IOException {
        if (!upload) {
            JsonObject body = fields().put("path", path.toAbsolutePath().normalize().toString());
            return json("/v1/frames/register", body);
        }
        Multipart mp = new Multipart();
        fields().forEach(e -> mp.field(e.getKey(), e.getValue() instanceof JsonObject ? null : String.valueOf(e.getValue())));
        attributes.forEach((k, v) -> mp.field("attr." + k, v));
        mp.field("sourcePath", path.toAbsolutePath().normalize().toString());
        mp.file("file", path);
        return mp.request(base().resolve("/v1/frames"));
    }

    private HttpRequest pairRequest() throws IOException {
        if (!upload) {
            JsonObject body = fields().put("beauty", path.toAbsolutePath().normalize().toString());
            if (albedo != null) body.put("albedo", albedo.toAbsolutePath().normalize().toString());
            if (mask != null) body.put("mask", mask.toAbsolutePath().normalize().toString());
            if (style != null) body.put("style", style);
            return json("/v1/pairs/register", body);
        }
        Multipart mp = new Multipart();
        fields().forEach(e -> mp.field(e.getKey(), e.getValue() instanceof JsonObject ? null : String.valueOf(e.getValue())));
        attributes.forEach((k, v) -> mp.field("attr." + k, v));
        if (style != null) mp.field("style", style);
        mp.field("sourcePath", path.toAbsolutePath().normalize().toString());
        mp.file("beauty", path);
        if (albedo != null) mp.file("albedo", albedo);
        if (mask != null) mp.file("mask", mask);
        return mp.request(base().resolve("/v1/pairs"));
    }

    private JsonObject fields() {
        JsonObject o = new JsonObject().put("job", job).put("show", show).put("shot", shot).put("layer", layer)
                .put("frame", frame);
        if (!attributes.isEmpty()) o.put("attributes", new JsonObject(new LinkedHashMap<>(attributes)));
        return o;
    }

    private HttpRequest json(String route, JsonObject body) {
        return HttpRequest.newBuilder(base().resolve(route)).timeout(Duration.ofSeconds(timeoutSeconds))
                .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body.encode())).build();
    }

    private URI base() {
        return URI.create(server.endsWith("/") ? server : server + "/");
    }

    private static String reasonOf(String body) {
        try {
            JsonObject o = new JsonObject(body);
            return o.getString("detail", body) + (o.containsKey("code") ? " [" + o.getString("code") + "]" : "");
        } catch (RuntimeException e) {
            return body == null || body.isBlank() ? "(no reason given)" : body;
        }
    }

    private static String summary(String body, boolean isPair) {
        try {
            JsonObject o = new JsonObject(body);
            JsonObject f = isPair ? o.getJsonObject("frame") : o;
            StringBuilder sb = new StringBuilder("accepted");
            if (f != null) {
                sb.append(" frame ").append(f.getString("frameId")).append(" version ").append(f.getInteger("frameVersion"));
                if (Boolean.TRUE.equals(f.getBoolean("duplicate"))) sb.append(" (already submitted)");
            }
            if (isPair) sb.append(" pair ").append(o.getString("pairId"));
            return sb.toString();
        } catch (RuntimeException e) {
            return "accepted: " + body;
        }
    }

    /** A multipart/form-data body whose files are streamed from disk, never loaded whole. */
    private final class Multipart {
        // Netty mis-parses a field whose value is a prefix of the boundary: keep the boundary unlike any value.
        private final String boundary = "----PrismFormBoundary" + UUID.randomUUID().toString().replace("-", "");
        private final List<HttpRequest.BodyPublisher> parts = new ArrayList<>();

        void field(String name, String value) {
            if (value == null) return;
            parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                    + name + "\"\r\n\r\n" + value + "\r\n", StandardCharsets.UTF_8));
        }

        void file(String name, Path file) throws IOException {
            if (!Files.isRegularFile(file)) throw new IOException("no file " + file);
            parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "\r\nContent-Disposition: form-data; name=\""
                    + name + "\"; filename=\"" + file.getFileName().toString().replace("\"", "") + "\"\r\n"
                    + "Content-Type: image/x-exr\r\n\r\n", StandardCharsets.UTF_8));
            parts.add(HttpRequest.BodyPublishers.ofFile(file));
            parts.add(HttpRequest.BodyPublishers.ofString("\r\n", StandardCharsets.UTF_8));
        }

        HttpRequest request(URI uri) {
            parts.add(HttpRequest.BodyPublishers.ofString("--" + boundary + "--\r\n", StandardCharsets.UTF_8));
            return HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(timeoutSeconds))
                    .header("Authorization", "Bearer " + token)
                    .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                    .POST(HttpRequest.BodyPublishers.concat(parts.toArray(HttpRequest.BodyPublisher[]::new))).build();
        }
    }
}
