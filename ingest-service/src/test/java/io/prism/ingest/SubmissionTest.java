package io.prism.ingest;

import io.prism.vision.testing.TestExrs;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.ingest.cli.PublishCommand;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.topics.Topics;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.image.FloatImage;
import io.vertx.core.json.JsonObject;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Every door into Prism — upload, path registration, {@code prism publish} (both modes), pairs — against the real
 * broker and database: one row and exactly one FrameSubmitted per frame, idempotent resubmission, new versions for
 * new bytes, pairs on prism.pairs.v1 with their layers extracted into plain EXRs.
 */
class SubmissionTest {
    static IngestHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = IngestHarness.start(Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (h != null) h.close();
    }

    private static String job() {
        return "job-" + UUID.randomUUID();
    }

    @Test
    void uploadGivesOneRowAndOneEventPerFrameAndResubmissionIsIdempotent() throws Exception {
        String job = job();
        byte[] f1 = TestExrs.encode(TestExrs.beauty(1));
        byte[] f2 = TestExrs.encode(TestExrs.beauty(2));
        HttpResponse<String> a = h.uploadFrame(job, 1, "shot.0001.exr", f1, IngestHarness.SUBMIT_TOKEN);
        HttpResponse<String> b = h.uploadFrame(job, 2, "shot.0002.exr", f2, IngestHarness.SUBMIT_TOKEN);
        assertThat(a.statusCode()).as(IngestHarness.body(a)).isEqualTo(202);
        assertThat(b.statusCode()).as(IngestHarness.body(b)).isEqualTo(202);
        // The same bytes again (a farm retrying its post-task script): same id, nothing new.
        HttpResponse<String> again = h.uploadFrame(job, 1, "shot.0001.exr", f1, IngestHarness.SUBMIT_TOKEN);
        assertThat(again.statusCode()).isEqualTo(202);
        assertThat(IngestHarness.json(again).getString("frameId")).isEqualTo(IngestHarness.json(a).getString("frameId"));
        assertThat(IngestHarness.json(again).getBoolean("duplicate")).isTrue();

        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isEqualTo(2);
        List<FrameSubmitted> events = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 2, Duration.ofSeconds(30));
        assertThat(events).hasSize(2);
        assertThat(events.stream().map(e -> e.frameId().toString()).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(IngestHarness.json(a).getString("frameId"), IngestHarness.json(b).getString("frameId"));
        FrameSubmitted e1 = events.stream().filter(e -> e.frameNumber() == 1).findFirst().orElseThrow();
        assertThat(e1.source().size()).isEqualTo(f1.length);
        assertThat(e1.source().width()).isEqualTo(48);
        assertThat(e1.source().height()).isEqualTo(32);
        assertThat(e1.frameVersion()).isEqualTo(1);
        // The blob is exactly the uploaded file.
        assertThat(h.ctx.blobs().read(e1.source())).isEqualTo(f1);

        // Status query with a read token.
        HttpResponse<String> status = h.get("/v1/frames/" + e1.frameId(), IngestHarness.READ_TOKEN);
        assertThat(status.statusCode()).as(IngestHarness.body(status)).isEqualTo(200);
        assertThat(IngestHarness.json(status).getString("status")).isEqualTo("submitted");
        assertThat(IngestHarness.json(status).getString("delivery")).isEqualTo("published");

        HttpResponse<String> ready = h.get("/health/ready", null);
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(IngestHarness.json(ready).getJsonObject("checks").getString("database")).isEqualTo("UP");
        assertThat(h.get("/metrics", null).body()).contains("prism_ingest_outbox_lag_ms").contains("prism_ingest_bytes_total");
    }

    @Test
    void reRenderWithNewBytesIsANewVersionAndSupersedesTheOld() throws Exception {
        String job = job();
        HttpResponse<String> v1 = h.uploadFrame(job, 7, "a.0007.exr", TestExrs.encode(TestExrs.beauty(10)), IngestHarness.SUBMIT_TOKEN);
        HttpResponse<String> v2 = h.uploadFrame(job, 7, "a.0007.exr", TestExrs.encode(TestExrs.beauty(11)), IngestHarness.SUBMIT_TOKEN);
        assertThat(IngestHarness.json(v1).getInteger("frameVersion")).isEqualTo(1);
        assertThat(IngestHarness.json(v2).getInteger("frameVersion")).isEqualTo(2);
        assertThat(IngestHarness.json(v2).getInteger("superseded")).isEqualTo(1);
        assertThat(IngestHarness.json(v2).getString("frameId")).isNotEqualTo(IngestHarness.json(v1).getString("frameId"));
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ? AND status = 'superseded' AND frame_version = 1", job)).isEqualTo(1);
        List<FrameSubmitted> events = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 2, Duration.ofSeconds(30));
        assertThat(events).extracting(FrameSubmitted::frameVersion).containsExactlyInAnyOrder(1, 2);
    }

    @Test
    void reRenderBackToEarlierContentIsANewVersionAndTheNewestWins() throws Exception {
        String job = job();
        byte[] a = TestExrs.encode(TestExrs.beauty(20));
        byte[] b = TestExrs.encode(TestExrs.beauty(21));
        HttpResponse<String> v1 = h.uploadFrame(job, 3, "a.0003.exr", a, IngestHarness.SUBMIT_TOKEN);
        HttpResponse<String> v2 = h.uploadFrame(job, 3, "a.0003.exr", b, IngestHarness.SUBMIT_TOKEN);
        HttpResponse<String> v3 = h.uploadFrame(job, 3, "a.0003.exr", a, IngestHarness.SUBMIT_TOKEN);
        assertThat(v3.statusCode()).as(IngestHarness.body(v3)).isEqualTo(202);
        assertThat(IngestHarness.json(v3).getBoolean("duplicate")).as("A again after B is not 'already submitted'").isFalse();
        assertThat(IngestHarness.json(v3).getInteger("frameVersion")).isEqualTo(3);
        assertThat(IngestHarness.json(v3).getString("frameId"))
                .isNotEqualTo(IngestHarness.json(v1).getString("frameId")).isNotEqualTo(IngestHarness.json(v2).getString("frameId"));
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ? AND status = 'superseded'", job)).isEqualTo(2);
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ? AND frame_version = 3 AND status = 'submitted' AND size_bytes = "
                + a.length, job)).as("the newest version holds content A").isEqualTo(1);
        // A once more while it is the newest version: the farm retrying, nothing new.
        HttpResponse<String> retry = h.uploadFrame(job, 3, "a.0003.exr", a, IngestHarness.SUBMIT_TOKEN);
        assertThat(IngestHarness.json(retry).getBoolean("duplicate")).isTrue();
        assertThat(IngestHarness.json(retry).getString("frameId")).isEqualTo(IngestHarness.json(v3).getString("frameId"));
        List<FrameSubmitted> events = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 3, Duration.ofSeconds(30));
        assertThat(events).extracting(FrameSubmitted::frameVersion).containsExactlyInAnyOrder(1, 2, 3);
    }

    @Test
    void concurrentSubmissionsOfTheSameFrameMeetAtTheUniqueConstraints() throws Exception {
        String job = job();
        byte[] same = TestExrs.encode(TestExrs.beauty(40));
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(6);
        try {
            // Six farm retries of the same frame at once, and two different re-renders of another frame at once.
            List<java.util.concurrent.Future<HttpResponse<String>>> sameBytes = new java.util.ArrayList<>();
            for (int i = 0; i < 6; i++) {
                sameBytes.add(pool.submit(() -> h.uploadFrame(job, 1, "x.0001.exr", same, IngestHarness.SUBMIT_TOKEN)));
            }
            var a = pool.submit(() -> h.uploadFrame(job, 2, "x.0002.exr", TestExrs.encode(TestExrs.beauty(41)), IngestHarness.SUBMIT_TOKEN));
            var b = pool.submit(() -> h.uploadFrame(job, 2, "x.0002.exr", TestExrs.encode(TestExrs.beauty(42)), IngestHarness.SUBMIT_TOKEN));
            Set<String> ids = new java.util.HashSet<>();
            for (var f : sameBytes) {
                HttpResponse<String> r = f.get();
                assertThat(r.statusCode()).as(IngestHarness.body(r)).isEqualTo(202);
                ids.add(IngestHarness.json(r).getString("frameId"));
            }
            assertThat(ids).hasSize(1);
            assertThat(List.of(IngestHarness.json(a.get()).getInteger("frameVersion"), IngestHarness.json(b.get()).getInteger("frameVersion")))
                    .containsExactlyInAnyOrder(1, 2);
        } finally {
            pool.shutdownNow();
        }
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isEqualTo(3);
        assertThat(h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 3, Duration.ofSeconds(30))).hasSize(3);
    }

    @Test
    void pathRegistrationReadsTheFileUnderARenderRoot() throws Exception {
        String job = job();
        Path file = TestExrs.write(h.renders.resolve("show1/sh020/beauty/sh020.0003.exr"), TestExrs.beauty(3));
        JsonObject body = new JsonObject().put("job", job).put("show", "show1").put("shot", "sh020").put("layer", "beauty")
                .put("frame", 3).put("path", file.toString()).put("attributes", new JsonObject().put("renderer", "karma"));
        HttpResponse<String> r = h.postJson("/v1/frames/register", body, IngestHarness.SUBMIT_TOKEN);
        assertThat(r.statusCode()).as(IngestHarness.body(r)).isEqualTo(202);
        HttpResponse<String> again = h.postJson("/v1/frames/register", body, IngestHarness.SUBMIT_TOKEN);
        assertThat(IngestHarness.json(again).getBoolean("duplicate")).isTrue();
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isEqualTo(1);
        List<FrameSubmitted> events = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 1, Duration.ofSeconds(30));
        assertThat(events).hasSize(1);
        assertThat(events.get(0).sourcePath()).isEqualTo(file.toString());
        assertThat(events.get(0).attributes()).containsEntry("renderer", "karma");
        assertThat(events.get(0).source().sha256()).isEqualTo(io.prism.platform.blob.Sha256.hex(file));
    }

    @Test
    void multiLayerUploadBecomesAPairWithPlainLayerImages() throws Exception {
        String job = job();
        FloatImage src = TestExrs.multiLayer(5);
        HttpResponse<String> r = h.upload("/v1/pairs", Map.of("job", job, "show", "show1", "shot", "sh030", "frame", "12",
                "style", "toon"), Map.of("beauty", Map.entry("sh030.0012.exr", TestExrs.encode(src))), IngestHarness.SUBMIT_TOKEN);
        assertThat(r.statusCode()).as(IngestHarness.body(r)).isEqualTo(202);
        String pairId = IngestHarness.json(r).getString("pairId");
        // Resubmitting the same pair announces nothing new.
        HttpResponse<String> again = h.upload("/v1/pairs", Map.of("job", job, "show", "show1", "shot", "sh030", "frame", "12",
                "style", "toon"), Map.of("beauty", Map.entry("sh030.0012.exr", TestExrs.encode(src))), IngestHarness.SUBMIT_TOKEN);
        assertThat(IngestHarness.json(again).getString("pairId")).isEqualTo(pairId);
        assertThat(IngestHarness.json(again).getBoolean("duplicate")).isTrue();

        List<GroundTruthPairSubmitted> pairs = h.events(Topics.PAIRS.name(), GroundTruthPairSubmitted.class,
                e -> e.jobId().equals(job), 1, Duration.ofSeconds(30));
        assertThat(pairs).hasSize(1);
        GroundTruthPairSubmitted p = pairs.get(0);
        assertThat(p.pairId().toString()).isEqualTo(pairId);
        assertThat(p.style()).isEqualTo("toon");
        assertThat(p.frameId()).isNotNull();
        FloatImage albedo = ExrReader.readImage(h.ctx.blobs().read(p.albedo()), "albedo");
        FloatImage mask = ExrReader.readImage(h.ctx.blobs().read(p.mask()), "mask");
        FloatImage beauty = ExrReader.readImage(h.ctx.blobs().read(p.beauty()), "beauty");
        assertThat(albedo.channels()).containsExactly("B", "G", "R");
        assertThat(mask.channels()).containsExactly("Y");
        assertThat(beauty.channels()).containsExactly("A", "B", "G", "R");
        // Same pixels as the source layers (HALF in, HALF out: exact).
        FloatImage srcBack = ExrReader.readImage(TestExrs.encode(src), "src");
        assertThat(albedo.plane("G")).containsExactly(srcBack.plane("albedo.G"));
        assertThat(mask.plane("Y")).containsExactly(srcBack.plane("mask.Y"));
        assertThat(p.albedo().channels()).isEqualTo(3);
        assertThat(p.mask().channels()).isEqualTo(1);
        // The beauty was submitted for inference too: one frame, one event.
        assertThat(h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 1, Duration.ofSeconds(30)))
                .hasSize(1).allMatch(e -> e.frameId().equals(p.frameId()));
        HttpResponse<String> status = h.get("/v1/pairs/" + pairId, IngestHarness.READ_TOKEN);
        assertThat(status.statusCode()).isEqualTo(200);
    }

    @Test
    void pairFromSeparateFilesByPathRegistration() throws Exception {
        String job = job();
        Path beauty = TestExrs.write(h.renders.resolve("show2/sh040/beauty/sh040.0001.exr"), TestExrs.beauty(20));
        Path albedo = TestExrs.write(h.renders.resolve("show2/sh040/albedo/sh040.0001.exr"), TestExrs.beauty(21));
        JsonObject body = new JsonObject().put("job", job).put("show", "show2").put("shot", "sh040").put("frame", 1)
                .put("beauty", beauty.toString()).put("albedo", albedo.toString());
        HttpResponse<String> r = h.postJson("/v1/pairs/register", body, IngestHarness.SUBMIT_TOKEN);
        assertThat(r.statusCode()).as(IngestHarness.body(r)).isEqualTo(202);
        List<GroundTruthPairSubmitted> pairs = h.events(Topics.PAIRS.name(), GroundTruthPairSubmitted.class,
                e -> e.jobId().equals(job), 1, Duration.ofSeconds(30));
        assertThat(pairs).hasSize(1);
        // A plain albedo file is stored as it is.
        assertThat(pairs.get(0).albedo().sha256()).isEqualTo(io.prism.platform.blob.Sha256.hex(albedo));
        assertThat(pairs.get(0).mask()).isNull();
    }

    @Test
    void publishCommandRegistersOrUploadsAndExitsNonZeroWithTheReasonWhenRefused() throws Exception {
        String job = job();
        Path f1 = TestExrs.write(h.renders.resolve("show3/sh050/beauty/sh050.0001.exr"), TestExrs.beauty(31));
        Path f2 = TestExrs.write(h.dir.resolve("elsewhere/sh050.0002.exr"), TestExrs.beauty(32));
        String server = "http://127.0.0.1:" + h.service.httpPort();
        Run register = publish("--server", server, "--token", IngestHarness.SUBMIT_TOKEN, "--job", job, "--show", "show3",
                "--shot", "sh050", "--frame", "1", "--path", f1.toString());
        assertThat(register.code).as(register.err).isZero();
        assertThat(register.out).contains("accepted frame");
        Run upload = publish("--server", server, "--token", IngestHarness.SUBMIT_TOKEN, "--job", job, "--show", "show3",
                "--shot", "sh050", "--frame", "2", "--path", f2.toString(), "--upload", "--attr", "host=node17");
        assertThat(upload.code).as(upload.err).isZero();

        // Refused: registering a path outside the render roots. Non-zero, and the server's reason is printed.
        Run refused = publish("--server", server, "--token", IngestHarness.SUBMIT_TOKEN, "--job", job, "--show", "show3",
                "--shot", "sh050", "--frame", "2", "--path", f2.toString());
        assertThat(refused.code).isEqualTo(PublishCommand.REFUSED);
        assertThat(refused.err).contains("outside the render roots");
        Run badToken = publish("--server", server, "--token", "not-a-valid-token", "--job", job, "--show", "show3",
                "--shot", "sh050", "--frame", "1", "--path", f1.toString());
        assertThat(badToken.code).isEqualTo(PublishCommand.REFUSED);
        assertThat(badToken.err).contains("401").contains("unknown API token").contains("[wrong_token]");
        // A pair from the AOV layers inside a multi-layer EXR.
        Path multi = TestExrs.write(h.renders.resolve("show3/sh050/beauty/sh050.0003.exr"), TestExrs.multiLayer(33));
        Run pair = publish("--server", server, "--token", IngestHarness.SUBMIT_TOKEN, "--job", job, "--show", "show3",
                "--shot", "sh050", "--frame", "3", "--path", multi.toString(), "--pair", "--style", "toon");
        assertThat(pair.code).as(pair.err).isZero();
        assertThat(pair.out).contains("pair");
        Run down = publish("--server", "http://127.0.0.1:1", "--retries", "1", "--job", job, "--show", "show3",
                "--shot", "sh050", "--frame", "1", "--path", f1.toString());
        assertThat(down.code).isEqualTo(PublishCommand.UNAVAILABLE);

        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isEqualTo(3);
        List<FrameSubmitted> events = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 3, Duration.ofSeconds(30));
        assertThat(events).extracting(FrameSubmitted::frameNumber).containsExactlyInAnyOrder(1, 2, 3);
        assertThat(h.events(Topics.PAIRS.name(), GroundTruthPairSubmitted.class, e -> e.jobId().equals(job), 1, Duration.ofSeconds(30)))
                .singleElement().satisfies(p -> assertThat(p.style()).isEqualTo("toon"));
        assertThat(events.stream().filter(e -> e.frameNumber() == 2).findFirst().orElseThrow().attributes())
                .containsEntry("host", "node17");
    }

    @Test
    void publishedStereoMultiPartFrameIsAcceptedWithTheNamedViewsBeauty() throws Exception {
        Path src = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata/openexr/Beachball/multipart.0001.exr");
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.isRegularFile(src), "no shared test data");
        Path f = h.renders.resolve("show4/sh060/beauty/sh060.0001.exr");
        java.nio.file.Files.createDirectories(f.getParent());
        java.nio.file.Files.copy(src, f);
        String job = job();
        String server = "http://127.0.0.1:" + h.service.httpPort();
        Run left = publish("--server", server, "--token", IngestHarness.SUBMIT_TOKEN, "--job", job, "--show", "show4",
                "--shot", "sh060", "--frame", "1", "--path", f.toString(), "--beauty-layer", "left");
        assertThat(left.code).as(left.err).isZero();
        FrameSubmitted e = h.events(Topics.FRAMES.name(), FrameSubmitted.class, x -> x.jobId().equals(job), 1,
                Duration.ofSeconds(30)).get(0);
        assertThat(e.attributes()).containsEntry("beautyLayer", "left");
        // the frame's source is the rgba_left part as a plain RGBA image, which any worker reads as it is
        io.prism.vision.exr.ExrPart part = io.prism.vision.exr.ExrReader.read(src).part("rgba_left");
        assertThat(e.source().channels()).isEqualTo(4);
        assertThat(e.source().width()).isEqualTo(part.image().width());
        assertThat(e.source().height()).isEqualTo(part.image().height());
    }

    private record Run(int code, String out, String err) {}

    private static Run publish(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cl = new CommandLine(new PublishCommand());
        cl.setOut(new PrintWriter(out));
        cl.setErr(new PrintWriter(err));
        int code = cl.execute(args);
        return new Run(code, out.toString(), err.toString());
    }
}
