package io.prism.ingest;

import io.prism.vision.testing.TestExrs;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Bad input is refused with a clear reason and leaves nothing behind: no frame row, no event. Each test names what
 * was tried. The service here takes uploads up to 4 MiB.
 */
class BadInputTest {
    static final long MAX = 4L << 20;
    static IngestHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = IngestHarness.start(Map.of("PRISM_MAX_UPLOAD_BYTES", String.valueOf(MAX)));
    }

    @AfterAll
    static void stop() throws Exception {
        if (h != null) h.close();
    }

    private static String job() {
        return "bad-" + UUID.randomUUID();
    }

    private static JsonObject refused(HttpResponse<String> r, int status, String code) {
        assertThat(r.statusCode()).as(IngestHarness.body(r)).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonObject o = IngestHarness.json(r);
        assertThat(o.getString("code")).isEqualTo(code);
        assertThat(o.getInteger("status")).isEqualTo(status);
        assertThat(o.getString("type")).startsWith("https://prism.dev/problems/");
        assertThat(o.getString("title")).isNotBlank();
        assertThat(o.getString("detail")).isNotBlank();
        return o;
    }

    @Test
    void everyDamagedOpenExrFileIsRefusedWithAReason() throws Exception {
        String shared = System.getProperty("prism.shared.dir");
        assumeTrue(shared != null && Files.isDirectory(Path.of(shared, "testdata/openexr/Damaged")), "no shared test data");
        String job = job();
        List<Path> files;
        try (Stream<Path> s = Files.list(Path.of(shared, "testdata/openexr/Damaged"))) {
            files = s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().endsWith(".rst")).sorted().toList();
        }
        assertThat(files).hasSizeGreaterThan(100);
        List<String> accepted = new ArrayList<>();
        List<String> vague = new ArrayList<>();
        int frame = 0;
        for (Path f : files) {
            HttpResponse<String> r = h.uploadFrame(job, frame++, f.getFileName() + ".exr", Files.readAllBytes(f), IngestHarness.SUBMIT_TOKEN);
            if (r.statusCode() / 100 != 4) {
                accepted.add(f.getFileName() + " -> " + IngestHarness.body(r));
            } else if (IngestHarness.json(r).getString("detail", "").length() < 10) {
                vague.add(f.getFileName() + " -> " + r.body());
            }
        }
        assertThat(accepted).as("damaged files not refused").isEmpty();
        assertThat(vague).as("refusals without a clear reason").isEmpty();
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isZero();
        assertThat(h.count("SELECT count(*) FROM outbox WHERE record_key = ?", job)).isZero();
    }

    @Test
    void aPngRenamedExrIsRefusedAsTheWrongFormat() throws Exception {
        BufferedImage img = new BufferedImage(8, 8, BufferedImage.TYPE_INT_RGB);
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(img, "png", png);
        JsonObject o = refused(h.uploadFrame(job(), 1, "sh010.0001.exr", png.toByteArray(), IngestHarness.SUBMIT_TOKEN),
                415, "unsupported_format");
        assertThat(o.getString("detail")).contains("PNG").contains("OpenEXR");
    }

    @Test
    void anExrHeaderClaiming100000By100000PixelsIsRefusedBeforeAnythingIsAllocated() throws Exception {
        byte[] exr = TestExrs.encode(TestExrs.beauty(1));
        byte[] key = "dataWindow\0box2i\0".getBytes(StandardCharsets.US_ASCII);
        int at = indexOf(exr, key) + key.length + 4; // after the attribute's size field: xMin, yMin, xMax, yMax
        putInt(exr, at + 8, 99_999);
        putInt(exr, at + 12, 99_999);
        JsonObject o = refused(h.uploadFrame(job(), 1, "huge.0001.exr", exr, IngestHarness.SUBMIT_TOKEN), 413, "image_too_large");
        assertThat(o.getString("detail")).contains("10000000000").contains("limit");
    }

    @Test
    void aTruncatedExrIsRefused() throws Exception {
        byte[] exr = TestExrs.encode(TestExrs.beauty(2));
        byte[] half = java.util.Arrays.copyOf(exr, exr.length / 2);
        refused(h.uploadFrame(job(), 1, "half.0001.exr", half, IngestHarness.SUBMIT_TOKEN), 422, "bad_image");
    }

    @Test
    void anExrWithoutRgbChannelsIsRefusedForItsChannelLayout() throws Exception {
        byte[] depth = TestExrs.encode(TestExrs.image(16, 16, 3, "Z"));
        JsonObject o = refused(h.uploadFrame(job(), 1, "z.0001.exr", depth, IngestHarness.SUBMIT_TOKEN), 422, "channel_layout");
        assertThat(o.getString("detail")).contains("R,G,B").contains("[Z]");
    }

    @Test
    void idsOutsideTheSafeAlphabetAreRefusedWithAOneLineReason() throws Exception {
        byte[] exr = TestExrs.encode(TestExrs.beauty(5));
        Map<String, String> badIds = Map.of("dot-dot-slash", "../etc", "slash", "a/b", "space", "job 1",
                "single quote", "job'1", "double quote", "job\"1", "control character", "job\u00011", "newline", "job\n1",
                "only dots", "..", "too long", "j".repeat(129));
        for (String field : List.of("job", "show", "shot", "layer")) {
            for (var bad : badIds.entrySet()) {
                Map<String, String> fields = new java.util.HashMap<>(Map.of("job", job(), "show", "show1", "shot", "sh010",
                        "layer", "beauty", "frame", "1"));
                fields.put(field, bad.getValue());
                JsonObject o = refused(h.upload("/v1/frames", fields, Map.of("file", Map.entry("x.0001.exr", exr)),
                        IngestHarness.SUBMIT_TOKEN), 400, "bad_id");
                assertThat(o.getString("detail")).as(field + " with " + bad.getKey()).startsWith(field + " ")
                        .contains("not a valid id").doesNotContain("\n").doesNotContain("\u0001");
            }
        }
        // the same rule for path registration (JSON)
        JsonObject body = new JsonObject().put("job", "../../x").put("show", "show").put("shot", "sh010").put("frame", 1)
                .put("path", h.renders.resolve("show/sh010/beauty/x.0001.exr").toString());
        refused(h.postJson("/v1/frames/register", body, IngestHarness.SUBMIT_TOKEN), 400, "bad_id");
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id LIKE '%/%' OR show LIKE '% %'")).isZero();
    }

    @Test
    void pathsOutsideTheRootsDotDotAndSymlinkEscapesAreRefused() throws Exception {
        Path outside = TestExrs.write(h.dir.resolve("outside/secret.0001.exr"), TestExrs.beauty(4));
        Files.createDirectories(h.renders.resolve("show/sh010/beauty"));
        Path fileLink = Files.createSymbolicLink(h.renders.resolve("show/sh010/beauty/link.0001.exr"), outside);
        Path dirLink = Files.createSymbolicLink(h.renders.resolve("show/linked"), outside.getParent());
        String job = job();
        Map<String, String> tried = Map.of(
                "/etc/passwd", "outside the render roots",
                outside.toString(), "outside the render roots",
                h.renders + "/show/../../outside/secret.0001.exr", "'..'",
                "show/../../outside/secret.0001.exr", "'..'",
                fileLink.toString(), "symbolic link",
                dirLink + "/secret.0001.exr", "symbolic link");
        for (var e : tried.entrySet()) {
            JsonObject body = new JsonObject().put("job", job).put("show", "show").put("shot", "sh010").put("frame", 1)
                    .put("path", e.getKey());
            JsonObject o = refused(h.postJson("/v1/frames/register", body, IngestHarness.SUBMIT_TOKEN), 403, "path_not_allowed");
            assertThat(o.getString("detail")).as(e.getKey()).contains(e.getValue());
        }
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isZero();
    }

    @Test
    void anOversizedUploadIsRefusedWhetherItDeclaresItsLengthOrStreamsChunked() throws Exception {
        byte[] big = new byte[(int) MAX + (1 << 20)];
        new Random(1).nextBytes(big);
        String job = job();
        // Declared Content-Length over the limit: refused before the body is read.
        JsonObject declared = refused(h.uploadFrame(job, 1, "big.0001.exr", big, IngestHarness.SUBMIT_TOKEN), 413, "too_large");
        assertThat(declared.getString("detail")).contains("over the limit");
        // Chunked (no length): the limit is enforced while streaming to disk.
        String boundary = "b-" + UUID.randomUUID();
        byte[] head = ("--" + boundary + "\r\nContent-Disposition: form-data; name=\"job\"\r\n\r\n" + job + "\r\n--" + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.exr\"\r\n\r\n").getBytes(StandardCharsets.UTF_8);
        HttpRequest req = HttpRequest.newBuilder(h.uri("/v1/frames"))
                .header("Content-Type", "multipart/form-data; boundary=" + boundary)
                .header("Authorization", "Bearer " + IngestHarness.SUBMIT_TOKEN)
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new java.io.SequenceInputStream(
                        new ByteArrayInputStream(head), new ByteArrayInputStream(big)))).build();
        HttpResponse<String> r;
        try {
            r = h.http.send(req, HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            r = null; // the server may close the connection mid-upload; the refusal is then only in its log/metrics
        }
        if (r != null) refused(r, 413, "too_large");
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isZero();
        // Nothing of the refused uploads is left in the upload folder.
        Thread.sleep(200);
        try (Stream<Path> s = Files.list(h.config.tmpDir())) {
            assertThat(s.toList()).isEmpty();
        }
    }

    @Test
    void aMissingWrongOrUnderScopedTokenIsRefused() throws Exception {
        byte[] exr = TestExrs.encode(TestExrs.beauty(5));
        String job = job();
        refused(h.uploadFrame(job, 1, "a.0001.exr", exr, null), 401, "missing_token");
        refused(h.uploadFrame(job, 1, "a.0001.exr", exr, "farm-token-0123456780"), 401, "wrong_token");
        JsonObject scope = refused(h.uploadFrame(job, 1, "a.0001.exr", exr, IngestHarness.READ_TOKEN), 403, "missing_scope");
        assertThat(scope.getString("detail")).contains("submit");
        refused(h.get("/v1/frames/" + UUID.randomUUID(), null), 401, "missing_token");
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isZero();
        // An admin token may do everything; refusals are counted by reason.
        assertThat(h.uploadFrame(job, 1, "a.0001.exr", exr, IngestHarness.ADMIN_TOKEN).statusCode()).isEqualTo(202);
        String metrics = h.get("/metrics", null).body();
        assertThat(metrics).contains("prism_ingest_refused_total{reason=\"wrong_token\"");
        assertThat(metrics).contains("prism_ingest_accepted_total");
    }

    private static int indexOf(byte[] a, byte[] key) {
        outer:
        for (int i = 0; i <= a.length - key.length; i++) {
            for (int j = 0; j < key.length; j++) if (a[i + j] != key[j]) continue outer;
            return i;
        }
        throw new IllegalStateException("not found");
    }

    private static void putInt(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
        b[i + 3] = (byte) (v >>> 24);
    }
}
