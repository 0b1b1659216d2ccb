package io.prism.results;

import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.testing.TestKit;
import io.prism.results.preview.PngPreviews;
import io.prism.results.bench.SyntheticResults;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Every endpoint against the real database holding over 100 000 result rows (10 jobs x 5 100 frames x albedo + mask),
 * with result images that are real EXR/PNG blobs in a real blob store.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ResultsApiTest {
    static final int JOBS = 10;
    static final int FRAMES = 5_100;

    RunningApi api;
    TestImages.Stored images;
    long resultRows;

    @BeforeAll
    void start() throws Exception {
        api = new RunningApi(false, true);
        images = TestImages.store(api.context.blobs(), 3);
        SyntheticResults.load(ds(), "job", JOBS, FRAMES, images.blobs());
        resultRows = scalar("SELECT count(*) FROM results");
    }

    @AfterAll
    void stop() throws Exception {
        api.close();
    }

    @Test
    void databaseHoldsAtLeast100000Results() {
        assertThat(resultRows).isGreaterThanOrEqualTo(100_000);
    }

    // ------------------------------------------------------------------ jobs

    @Test
    void jobsArePagedNewestFirstWithProgressCountsPerStatus() throws Exception {
        List<String> ids = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            JsonObject page = json(api.get("/api/v1/jobs?limit=3" + (cursor == null ? "" : "&cursor=" + cursor), RunningApi.READER), 200);
            page.getJsonArray("items").forEach(o -> ids.add(((JsonObject) o).getString("id")));
            cursor = page.getString("next");
            pages++;
        } while (cursor != null);
        assertThat(pages).isEqualTo(4);
        assertThat(ids).hasSize(JOBS).doesNotHaveDuplicates();
        assertThat(ids.get(0)).isEqualTo("job-010"); // created last
        JsonObject job1 = json(api.get("/api/v1/jobs/job-001", RunningApi.READER), 200);
        JsonObject p = job1.getJsonObject("progress");
        assertThat(p.getLong("total")).isEqualTo(FRAMES);
        assertThat(p.getLong("processed") + p.getLong("failed") + p.getLong("submitted")).isEqualTo(FRAMES);
        assertThat(p.getLong("failed")).isEqualTo(scalar("SELECT count(*) FROM frames WHERE job_id = 'job-001' AND status = 'failed'"));
        assertThat(p.getLong("submitted")).isEqualTo(10);
        assertThat(job1.getString("status")).isEqualTo("processing");
    }

    @Test
    void jobsFilterByShowShotStatusAndCreationTime() throws Exception {
        assertThat(items(api.get("/api/v1/jobs?show=jobshow", RunningApi.READER))).hasSize(JOBS);
        assertThat(items(api.get("/api/v1/jobs?show=othershow", RunningApi.READER))).isEmpty();
        JsonArray shot = items(api.get("/api/v1/jobs?shot=sh030", RunningApi.READER));
        assertThat(shot).hasSize(1);
        assertThat(shot.getJsonObject(0).getString("id")).isEqualTo("job-003");
        // odd jobs still have submitted frames (processing); even ones are done with a few failures (failed)
        // (another test may add submitted re-renders to job-004 meanwhile, so the expectation comes from the rows)
        JsonArray processing = items(api.get("/api/v1/jobs?status=processing", RunningApi.READER));
        assertThat(processing).hasSize((int) scalar("SELECT count(DISTINCT job_id) FROM frames WHERE status = 'submitted'"))
                .allSatisfy(o -> assertThat(((JsonObject) o).getJsonObject("progress").getLong("submitted")).isPositive());
        assertThat(processing.stream().map(o -> ((JsonObject) o).getString("id"))).contains("job-001", "job-003", "job-005", "job-007", "job-009");
        JsonArray failed = items(api.get("/api/v1/jobs?status=failed", RunningApi.READER));
        assertThat(failed).hasSize(JOBS - processing.size()).allSatisfy(o -> {
            JsonObject p = ((JsonObject) o).getJsonObject("progress");
            assertThat(p.getLong("failed")).isPositive();
            assertThat(p.getLong("submitted")).isZero();
        });
        JsonObject j5 = json(api.get("/api/v1/jobs/job-005", RunningApi.READER), 200);
        JsonObject j6 = json(api.get("/api/v1/jobs/job-006", RunningApi.READER), 200);
        JsonArray window = items(api.get("/api/v1/jobs?createdFrom=" + j5.getString("createdAt") + "&createdTo=" + j6.getString("createdAt"), RunningApi.READER));
        assertThat(window).hasSize(1);
        assertThat(window.getJsonObject(0).getString("id")).isEqualTo("job-005");
    }

    // ------------------------------------------------------------------ frames

    @Test
    void framesOfAJobAreKeysetPagedInFrameOrderWithTheirResults() throws Exception {
        Set<String> seen = new HashSet<>();
        int last = 0;
        String cursor = null;
        do {
            JsonObject page = json(api.get("/api/v1/jobs/job-002/frames?limit=1000" + (cursor == null ? "" : "&cursor=" + cursor), RunningApi.READER), 200);
            for (Object o : page.getJsonArray("items")) {
                JsonObject f = (JsonObject) o;
                assertThat(seen.add(f.getString("id"))).isTrue();
                assertThat(f.getInteger("frameNumber")).isGreaterThan(last);
                last = f.getInteger("frameNumber");
                int expectedResults = f.getString("status").equals("processed") ? 2 : 0;
                assertThat(f.getJsonArray("results")).hasSize(expectedResults);
            }
            cursor = page.getString("next");
        } while (cursor != null);
        assertThat(seen).hasSize(FRAMES);
        JsonObject one = items(api.get("/api/v1/jobs/job-002/frames?limit=1", RunningApi.READER)).getJsonObject(0);
        JsonObject albedo = one.getJsonArray("results").getJsonObject(0);
        assertThat(albedo.getString("task")).isEqualTo("albedo");
        assertThat(albedo.getInteger("modelVersion")).isEqualTo(2);
        assertThat(albedo.getJsonObject("preview").getString("href")).endsWith("/image?format=png");
        assertThat(albedo.getJsonObject("statistics").getInteger("steps")).isEqualTo(4);
        JsonObject noResults = items(api.get("/api/v1/jobs/job-002/frames?limit=1&results=false", RunningApi.READER)).getJsonObject(0);
        assertThat(noResults.containsKey("results")).isFalse();
    }

    @Test
    void framesFilterByStatusLayerAndFrameRange() throws Exception {
        JsonArray failed = items(api.get("/api/v1/jobs/job-003/frames?status=failed&limit=1000", RunningApi.READER));
        assertThat(failed).isNotEmpty().hasSize((int) scalar("SELECT count(*) FROM frames WHERE job_id='job-003' AND status='failed'"));
        assertThat(failed).allSatisfy(o -> {
            assertThat(((JsonObject) o).getInteger("frameNumber") % 97).isZero();
            assertThat(((JsonObject) o).getString("statusReason")).contains("NaN");
        });
        JsonArray range = items(api.get("/api/v1/jobs/job-003/frames?fromFrame=1100&toFrame=1149&limit=1000", RunningApi.READER));
        assertThat(range).hasSize(50);
        assertThat(range.getJsonObject(0).getInteger("frameNumber")).isEqualTo(1100);
        assertThat(range.getJsonObject(49).getInteger("frameNumber")).isEqualTo(1149);
        JsonArray processedInRange = items(api.get("/api/v1/jobs/job-003/frames?fromFrame=1100&toFrame=1200&status=processed&limit=1000", RunningApi.READER));
        assertThat(processedInRange).hasSize(101 - 1); // 1164 = 12 * 97 failed
        assertThat(items(api.get("/api/v1/jobs/job-003/frames?layer=beauty&limit=5", RunningApi.READER))).hasSize(5);
        assertThat(items(api.get("/api/v1/jobs/job-003/frames?layer=specular", RunningApi.READER))).isEmpty();
    }

    @Test
    void paginationIsStableWhileFramesAreInsertedConcurrently() throws Exception {
        // While one client pages through job-004 (200 frames a page), a writer keeps adding re-renders (new frame
        // versions) and frames of a new layer spread over the whole range, before and after the cursor.
        Set<String> before = new HashSet<>();
        try (Connection c = ds().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT id FROM frames WHERE job_id = 'job-004'")) {
            while (rs.next()) before.add(rs.getString(1));
        }
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger inserted = new AtomicInteger();
        Thread writer = new Thread(() -> {
            try (Connection c = ds().getConnection(); Statement s = c.createStatement()) {
                int i = 0;
                while (!stop.get()) {
                    int n = 1001 + (i * 389) % FRAMES;
                    s.executeUpdate("""
                            INSERT INTO frames (id, job_id, show, shot, layer, frame_number, frame_version, source_uri, sha256, size_bytes, media_type, status)
                            SELECT gen_random_uuid(), job_id, show, shot, l, frame_number, 2, source_uri, md5(random()::text) || md5(random()::text), size_bytes, media_type, 'submitted'
                            FROM frames, (VALUES ('beauty'), ('fx')) v(l) WHERE job_id = 'job-004' AND frame_number = %d AND frame_version = 1 AND layer = 'beauty'
                            ON CONFLICT DO NOTHING""".formatted(n));
                    inserted.addAndGet(2);
                    i++;
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        writer.start();
        List<String> seen = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        String cursor = null;
        try {
            do {
                JsonObject page = json(api.get("/api/v1/jobs/job-004/frames?results=false&limit=200" + (cursor == null ? "" : "&cursor=" + cursor), RunningApi.READER), 200);
                for (Object o : page.getJsonArray("items")) {
                    JsonObject f = (JsonObject) o;
                    seen.add(f.getString("id"));
                    keys.add(String.format("%08d|%s|%04d", f.getInteger("frameNumber"), f.getString("layer"), f.getInteger("frameVersion")));
                }
                cursor = page.getString("next");
            } while (cursor != null);
        } finally {
            stop.set(true);
            writer.join();
        }
        assertThat(inserted.get()).as("the writer ran while paging").isGreaterThan(0);
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsAll(before);
        assertThat(keys).isSorted();
    }

    @Test
    void oneFrameWithAllResultsModelVersionsAndFrameVersions() throws Exception {
        JsonObject first = items(api.get("/api/v1/jobs/job-006/frames?limit=1", RunningApi.READER)).getJsonObject(0);
        String id = first.getString("id");
        // a second albedo result by the older model v1, as after a reprocess
        try (Connection c = ds().getConnection(); Statement s = c.createStatement()) {
            s.executeUpdate("INSERT INTO results (id, frame_id, task, model_version, result_sha256, result_size, result_media_type, width, height) "
                    + "SELECT gen_random_uuid(), frame_id, task, 1, result_sha256, result_size, result_media_type, width, height FROM results "
                    + "WHERE frame_id = '" + id + "' AND task = 'albedo'");
        }
        JsonObject frame = json(api.get("/api/v1/frames/" + id, RunningApi.READER), 200);
        assertThat(frame.getString("jobId")).isEqualTo("job-006");
        JsonArray results = frame.getJsonArray("results");
        assertThat(results).hasSize(3);
        assertThat(results.stream().map(o -> ((JsonObject) o).getString("task") + "v" + ((JsonObject) o).getInteger("modelVersion")))
                .containsExactly("albedov1", "albedov2", "maskv1");
        JsonObject v2 = results.getJsonObject(1).getJsonObject("model");
        assertThat(v2.getString("status")).isEqualTo("active");
        assertThat(v2.getInteger("parentVersion")).isEqualTo(1);
        assertThat(v2.getJsonObject("metrics").getDouble("holdout_psnr")).isEqualTo(27.9);
        assertThat(frame.getJsonArray("versions")).hasSize(1);
        JsonObject byNumber = json(api.get("/api/v1/jobs/job-006/frames/" + first.getInteger("frameNumber"), RunningApi.READER), 200);
        assertThat(byNumber.getJsonArray("frames")).hasSize(1);
        assertThat(byNumber.getJsonArray("frames").getJsonObject(0).getJsonArray("results")).hasSize(3);
    }

    // ------------------------------------------------------------------ images

    @Test
    void resultImagesDownloadByteIdenticalToTheirBlobsWithEtagRangeAndConditionalRequests() throws Exception {
        JsonObject frame = items(api.get("/api/v1/jobs/job-007/frames?limit=1", RunningApi.READER)).getJsonObject(0);
        JsonObject albedo = frame.getJsonArray("results").getJsonObject(0);
        String sha = albedo.getJsonObject("image").getString("sha256");
        byte[] blob = api.context.blobs().read(images.albedo().stream().filter(r -> r.sha256().equals(sha)).findFirst().orElseThrow());

        HttpResponse<byte[]> exr = api.bytes(albedo.getJsonObject("image").getString("href"), RunningApi.READER);
        assertThat(exr.statusCode()).isEqualTo(200);
        assertThat(exr.body()).isEqualTo(blob);
        assertThat(exr.headers().firstValue("etag")).hasValue("\"" + sha + "\"");
        assertThat(exr.headers().firstValue("content-type")).hasValue("image/x-exr");
        assertThat(exr.headers().firstValue("accept-ranges")).hasValue("bytes");

        HttpResponse<byte[]> notModified = api.bytes(albedo.getJsonObject("image").getString("href"), RunningApi.READER, "If-None-Match", "\"" + sha + "\"");
        assertThat(notModified.statusCode()).isEqualTo(304);
        assertThat(notModified.body()).isEmpty();

        HttpResponse<byte[]> part = api.bytes(albedo.getJsonObject("image").getString("href"), RunningApi.READER, "Range", "bytes=100-1099");
        assertThat(part.statusCode()).isEqualTo(206);
        assertThat(part.headers().firstValue("content-range")).hasValue("bytes 100-1099/" + blob.length);
        assertThat(part.body()).isEqualTo(java.util.Arrays.copyOfRange(blob, 100, 1100));
        HttpResponse<byte[]> tail = api.bytes(albedo.getJsonObject("image").getString("href"), RunningApi.READER, "Range", "bytes=-10");
        assertThat(tail.body()).isEqualTo(java.util.Arrays.copyOfRange(blob, blob.length - 10, blob.length));
        HttpResponse<byte[]> beyond = api.bytes(albedo.getJsonObject("image").getString("href"), RunningApi.READER, "Range", "bytes=" + blob.length + "-");
        assertThat(beyond.statusCode()).isEqualTo(416);
        assertThat(beyond.headers().firstValue("content-range")).hasValue("bytes */" + blob.length);
        HttpResponse<byte[]> staleIfRange = api.bytes(albedo.getJsonObject("image").getString("href"), RunningApi.READER,
                "Range", "bytes=0-9", "If-Range", "\"" + "0".repeat(64) + "\"");
        assertThat(staleIfRange.statusCode()).as("If-Range with another ETag: the whole blob").isEqualTo(200);
        assertThat(staleIfRange.body()).isEqualTo(blob);

        HttpResponse<byte[]> png = api.bytes(albedo.getJsonObject("preview").getString("href"), RunningApi.READER);
        assertThat(png.headers().firstValue("content-type")).hasValue("image/png");
        assertThat(png.body()).isEqualTo(api.context.blobs().read(images.albedoPreview().stream()
                .filter(r -> r.sha256().equals(albedo.getJsonObject("preview").getString("sha256"))).findFirst().orElseThrow()));

        HttpResponse<byte[]> unc = api.bytes(albedo.getJsonObject("uncertainty").getString("href"), RunningApi.READER);
        assertThat(unc.statusCode()).isEqualTo(200);
        assertThat(unc.body()).isEqualTo(api.context.blobs().read(images.uncertainty().stream()
                .filter(r -> r.sha256().equals(albedo.getJsonObject("uncertainty").getString("sha256"))).findFirst().orElseThrow()));
        HttpResponse<byte[]> uncPng = api.bytes(albedo.getJsonObject("uncertainty").getString("href") + "?format=png", RunningApi.READER);
        BufferedImage uimg = ImageIO.read(new ByteArrayInputStream(uncPng.body()));
        assertThat(uimg.getWidth()).isEqualTo(TestImages.W);
        int max = 0, min = 255;
        for (int y = 0; y < uimg.getHeight(); y++) {
            for (int x = 0; x < uimg.getWidth(); x++) {
                int g = uimg.getRaster().getSample(x, y, 0);
                max = Math.max(max, g);
                min = Math.min(min, g);
            }
        }
        assertThat(max).as("normalised: the largest spread is white").isEqualTo(255);
        assertThat(min).as("low spread away from the sphere's edge").isLessThan(32);

        HttpResponse<byte[]> source = api.bytes(frame.getJsonObject("source").getString("href"), RunningApi.READER);
        assertThat(source.body()).isEqualTo(api.context.blobs().read(images.beauty().stream()
                .filter(r -> r.sha256().equals(frame.getJsonObject("source").getString("sha256"))).findFirst().orElseThrow()));
    }

    @Test
    void beautyPreviewIsWhatTheModelsSeeOfTheLinearExrAsPng() throws Exception {
        JsonObject frame = items(api.get("/api/v1/jobs/job-007/frames?limit=1", RunningApi.READER)).getJsonObject(0);
        HttpResponse<byte[]> png = api.bytes(frame.getJsonObject("preview").getString("href"), RunningApi.READER);
        assertThat(png.statusCode()).isEqualTo(200);
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png.body()));
        assertThat(img.getWidth()).isEqualTo(TestImages.W);
        var linear = io.prism.vision.image.ImageFiles.read(api.bytes(frame.getJsonObject("source").getString("href"), RunningApi.READER).body(), "src");
        // the preview is the models' input encoding of the EXR's linear values (shoulder tone curve, sRGB), in 8 bits
        assertThat(PngPreviews.BEAUTY_ENCODING).isEqualTo(io.prism.vision.color.InputEncoding.DEFAULT);
        assertThat(img.getColorModel().hasAlpha()).as("alpha is not part of a model's input").isFalse();
        for (int[] xy : new int[][] {{0, 0}, {TestImages.W / 2, TestImages.H / 2}, {TestImages.W - 1, TestImages.H - 1}}) {
            int rgb = img.getRGB(xy[0], xy[1]);
            for (int c = 0; c < 3; c++) {
                float v = linear.plane(List.of("R", "G", "B").get(c))[xy[1] * TestImages.W + xy[0]];
                float seen = io.prism.vision.color.Srgb.encode(io.prism.vision.color.ToneMap.SHOULDER.apply(v));
                assertThat((rgb >> (16 - 8 * c)) & 0xff).isCloseTo(Math.round(seen * 255), org.assertj.core.data.Offset.offset(1));
            }
        }
        float l = linear.plane("R")[0];
        assertThat((img.getRGB(0, 0) >> 16) & 0xff).as("encoded, not linear").isGreaterThan(Math.round(l * 255) + 10);
        HttpResponse<byte[]> thumb = api.bytes(frame.getJsonObject("preview").getString("href") + "?size=40", RunningApi.READER);
        assertThat(ImageIO.read(new ByteArrayInputStream(thumb.body())).getWidth()).isLessThanOrEqualTo(40);
        String etag = png.headers().firstValue("etag").orElseThrow();
        assertThat(api.bytes(frame.getJsonObject("preview").getString("href"), RunningApi.READER, "If-None-Match", etag).statusCode()).isEqualTo(304);
    }

    @Test
    void aCorruptedBlobIsNeverServedAsIfItWereWhole() throws Exception {
        // Two result images whose files were damaged after they were stored (same size, flipped bytes): a small one
        // (one chunk: answered with a 500 problem) and a large one (several chunks: the connection is cut before
        // the last chunk, so the client never holds a complete body).
        String frameId = items(api.get("/api/v1/jobs/job-010/frames?limit=1", RunningApi.READER)).getJsonObject(0).getString("id");
        java.util.Random rnd = new java.util.Random(7);
        for (int size : new int[] {1_000, 300_000}) {
            byte[] bytes = new byte[size];
            rnd.nextBytes(bytes);
            var ref = api.context.blobs().put(bytes, "image/x-exr");
            java.util.UUID resultId = java.util.UUID.randomUUID();
            try (Connection c = ds().getConnection(); var ps = c.prepareStatement(
                    "INSERT INTO results (id, frame_id, task, model_version, result_sha256, result_size, result_media_type, width, height) "
                            + "VALUES (?, ?::uuid, ?, 1, ?, ?, 'image/x-exr', 1, 1)")) {
                ps.setObject(1, resultId);
                ps.setString(2, frameId);
                ps.setString(3, "corrupt-" + size);
                ps.setString(4, ref.sha256());
                ps.setLong(5, size);
                ps.executeUpdate();
            }
            bytes[size - 1] ^= 0x5a;
            java.nio.file.Files.write(((io.prism.platform.blob.FileBlobStore) api.context.blobs()).pathOf(ref.sha256()), bytes);
            String href = "/api/v1/results/" + resultId + "/image";
            if (size < 65_536) {
                JsonObject p = problem(api.get(href, RunningApi.READER), 500);
                assertThat(p.getString("detail")).contains(ref.sha256());
            } else {
                try {
                    HttpResponse<byte[]> r = api.bytes(href, RunningApi.READER);
                    assertThat(r.body().length).as("never the whole (corrupted) blob").isLessThan(size);
                } catch (java.io.IOException expected) {
                    // the connection was reset mid-body: what a client must see
                }
            }
        }
    }

    // ------------------------------------------------------------------ models and training

    @Test
    void modelVersionsWithMetricsLineageAndTrainingRuns() throws Exception {
        JsonArray tasks = items(api.get("/api/v1/models", RunningApi.READER));
        assertThat(tasks.stream().map(o -> ((JsonObject) o).getString("task"))).containsExactly("albedo", "mask");
        assertThat(tasks.getJsonObject(0).getInteger("activeVersion")).isEqualTo(2);
        JsonArray albedo = items(api.get("/api/v1/models/albedo", RunningApi.READER));
        assertThat(albedo.stream().map(o -> ((JsonObject) o).getInteger("version"))).containsExactly(3, 2, 1);
        JsonObject v3 = json(api.get("/api/v1/models/albedo/versions/3", RunningApi.READER), 200);
        assertThat(v3.getString("status")).isEqualTo("rejected");
        assertThat(v3.getJsonArray("lineage").stream().map(o -> ((JsonObject) o).getInteger("version"))).containsExactly(3, 2, 1);
        assertThat(v3.getJsonArray("trainingRuns")).hasSize(1);
        assertThat(v3.getJsonArray("trainingRuns").getJsonObject(0).getString("status")).isEqualTo("rejected");

        JsonArray runs = items(api.get("/api/v1/training-runs?task=albedo", RunningApi.READER));
        assertThat(runs).hasSize(3);
        JsonArray running = items(api.get("/api/v1/training-runs?status=running", RunningApi.READER));
        assertThat(running).hasSize(1);
        JsonObject run = json(api.get("/api/v1/training-runs/" + running.getJsonObject(0).getString("id"), RunningApi.READER), 200);
        assertThat(run.getJsonObject("progress").getDouble("fraction")).isEqualTo(0.3);
        assertThat(run.getString("logTail")).contains("step 120/400");
    }

    // ------------------------------------------------------------------ reprocessing

    @Test
    void reprocessAFrameRangeQueuesOneFrameSubmittedPerFrameWithTheChosenModel() throws Exception {
        long outboxBefore = scalar("SELECT count(*) FROM outbox");
        HttpResponse<String> r = api.post("/api/v1/jobs/job-008/reprocess", RunningApi.ADMIN, "application/json",
                "{\"models\": {\"albedo\": 1}, \"fromFrame\": 1001, \"toFrame\": 1020}");
        JsonObject accepted = json(r, 202);
        assertThat(accepted.getInteger("frames")).isEqualTo(20);
        List<FrameSubmitted> events = new ArrayList<>();
        try (Connection c = ds().getConnection(); Statement s = c.createStatement();
             ResultSet rs = s.executeQuery("SELECT topic, payload::text FROM outbox ORDER BY id OFFSET " + outboxBefore)) {
            while (rs.next()) {
                assertThat(rs.getString(1)).isEqualTo("prism.frames.v1");
                PrismEvent e = EventCodec.decode(rs.getString(2).getBytes(java.nio.charset.StandardCharsets.UTF_8));
                events.add((FrameSubmitted) e);
            }
        }
        assertThat(events).hasSize(20).allSatisfy(e -> {
            assertThat(e.jobId()).isEqualTo("job-008");
            assertThat(e.requestedModels()).isEqualTo(Map.of("albedo", 1));
            assertThat(e.source().sha256()).hasSize(64);
        });
        assertThat(events.stream().map(FrameSubmitted::frameNumber)).containsExactlyInAnyOrderElementsOf(
                java.util.stream.IntStream.rangeClosed(1001, 1020).boxed().toList());

        // the outbox relay publishes them on prism.frames.v1, where workers pick them up
        List<FrameSubmitted> published = new ArrayList<>();
        var props = io.prism.platform.kafka.KafkaSettings.toProperties(io.prism.platform.kafka.KafkaSettings.consumer(
                api.context.config().kafkaBootstrap(), "results-api-test-" + java.util.UUID.randomUUID(), "results-api-test"));
        try (var consumer = new org.apache.kafka.clients.consumer.KafkaConsumer<String, byte[]>(props)) {
            consumer.subscribe(List.of(io.prism.platform.topics.Topics.FRAMES.name()));
            long deadline = System.currentTimeMillis() + 60_000;
            while (published.size() < 20 && System.currentTimeMillis() < deadline) {
                for (var rec : consumer.poll(java.time.Duration.ofMillis(500))) {
                    if (EventCodec.decode(rec.value()) instanceof FrameSubmitted fs && fs.jobId().equals("job-008")
                            && fs.requestedModels().equals(Map.of("albedo", 1))) {
                        assertThat(rec.key()).as("keyed by frame").isEqualTo("job-008/" + fs.layer() + "/" + fs.frameNumber());
                        published.add(fs);
                    }
                }
            }
        }
        assertThat(published.stream().map(FrameSubmitted::messageId))
                .containsExactlyInAnyOrderElementsOf(events.stream().map(FrameSubmitted::messageId).toList());

        String frameId = accepted.getJsonArray("frameIds").getString(0);
        json(api.post("/api/v1/frames/" + frameId + "/reprocess", RunningApi.ADMIN, "application/json", "{\"models\": {\"mask\": 1}}"), 202);
        assertThat(scalar("SELECT count(*) FROM outbox")).isEqualTo(outboxBefore + 21);
    }

    @Test
    void reprocessRefusesBadRequestsWithProblemDetailsAndQueuesNothing() throws Exception {
        long before = scalar("SELECT count(*) FROM outbox");
        String url = "/api/v1/jobs/job-009/reprocess";
        problem(api.post(url, null, "application/json", "{\"models\": {\"albedo\": 1}}"), 401);
        problem(api.post(url, RunningApi.READER, "application/json", "{\"models\": {\"albedo\": 1}}"), 403);
        problem(api.post(url, RunningApi.SUBMITTER, "application/json", "{\"models\": {\"albedo\": 1}}"), 403);
        JsonObject unknown = problem(api.post(url, RunningApi.ADMIN, "application/json", "{\"models\": {\"albedo\": 9}}"), 422);
        assertThat(unknown.getJsonObject("unknownModels").getInteger("albedo")).isEqualTo(9);
        problem(api.post(url, RunningApi.ADMIN, "application/json", "{\"models\": {}}"), 422);
        problem(api.post(url, RunningApi.ADMIN, "application/json", "{\"models\": {\"albedo\": \"two\"}}"), 422);
        problem(api.post(url, RunningApi.ADMIN, "application/json", "{\"models\": {\"albedo\": 1}, \"fromFrame\": 1200, \"toFrame\": 1100}"), 422);
        problem(api.post(url, RunningApi.ADMIN, "application/json", "{\"models\": {\"albedo\": 1}, \"layer\": \"nosuchlayer\"}"), 422);
        problem(api.post(url, RunningApi.ADMIN, "application/json", "{\"models\": {\"albedo\": 1}"), 400);
        problem(api.post(url, RunningApi.ADMIN, "text/plain", "models=albedo:1"), 415);
        problem(api.post("/api/v1/jobs/no-such-job/reprocess", RunningApi.ADMIN, "application/json", "{\"models\": {\"albedo\": 1}}"), 404);
        problem(api.post("/api/v1/frames/" + java.util.UUID.randomUUID() + "/reprocess", RunningApi.ADMIN, "application/json", "{\"models\": {\"albedo\": 1}}"), 404);
        assertThat(scalar("SELECT count(*) FROM outbox")).isEqualTo(before);
    }

    // ------------------------------------------------------------------ errors

    @Test
    void refusalsAndMistakesAnswerRfc9457ProblemDetails() throws Exception {
        JsonObject noToken = problem(api.get("/api/v1/jobs", null), 401);
        assertThat(noToken.getString("instance")).isEqualTo("/api/v1/jobs");
        problem(api.get("/api/v1/jobs", "wrong-secret-123"), 401);
        problem(api.get("/api/v1/jobs", RunningApi.SUBMITTER), 403);
        problem(api.get("/api/v1/jobs/no-such-job", RunningApi.READER), 404);
        problem(api.get("/api/v1/jobs/no-such-job/frames", RunningApi.READER), 404);
        problem(api.get("/api/v1/frames/" + java.util.UUID.randomUUID(), RunningApi.READER), 404);
        problem(api.get("/api/v1/frames/not-a-uuid", RunningApi.READER), 404);
        problem(api.get("/api/v1/results/" + java.util.UUID.randomUUID() + "/image", RunningApi.READER), 404);
        problem(api.get("/api/v1/models/nosuchtask", RunningApi.READER), 404);
        problem(api.get("/api/v1/models/albedo/versions/99", RunningApi.READER), 404);
        problem(api.get("/api/v1/training-runs/" + java.util.UUID.randomUUID(), RunningApi.READER), 404);
        problem(api.get("/api/v1/nothing-here", RunningApi.READER), 404);
        assertThat(problem(api.get("/api/v1/jobs?status=sleeping", RunningApi.READER), 400).getString("parameter")).isEqualTo("status");
        problem(api.get("/api/v1/jobs/job-001/frames?status=done", RunningApi.READER), 400);
        problem(api.get("/api/v1/jobs/job-001/frames?cursor=garbage!!", RunningApi.READER), 400);
        problem(api.get("/api/v1/jobs/job-001/frames?cursor=" + java.util.Base64.getUrlEncoder().encodeToString("j1:1:x".getBytes()), RunningApi.READER), 400);
        problem(api.get("/api/v1/jobs/job-001/frames?limit=0", RunningApi.READER), 400);
        problem(api.get("/api/v1/jobs/job-001/frames?limit=5000", RunningApi.READER), 400);
        problem(api.get("/api/v1/jobs/job-001/frames?fromFrame=abc", RunningApi.READER), 400);
        problem(api.get("/api/v1/jobs/job-001/frames?fromFrame=20&toFrame=10", RunningApi.READER), 422);
        problem(api.get("/api/v1/jobs?createdFrom=yesterday", RunningApi.READER), 400);
        problem(api.get("/api/v1/results/" + java.util.UUID.randomUUID() + "/image?format=tiff", RunningApi.READER), 400);
        // ids outside the safe alphabet (letters, digits, '.', '_', '-') are refused with a one-line 400, never looked up
        Map<String, String> badIds = Map.of("dot-dot-slash", "..%2Fjob-001", "slash", "job%2F001", "space", "job%20001",
                "single quote", "job%27001", "double quote", "job%22001", "control character", "job%01001");
        for (var bad : badIds.entrySet()) {
            for (String url : List.of("/api/v1/jobs/" + bad.getValue(), "/api/v1/jobs/" + bad.getValue() + "/frames")) {
                JsonObject p = problem(api.get(url, RunningApi.READER), 400);
                assertThat(p.getString("parameter")).as(bad.getKey()).isEqualTo("jobId");
                assertThat(p.getString("detail")).as(bad.getKey()).contains("not a valid id").doesNotContain("\n").doesNotContain("\u0001");
            }
        }
        assertThat(problem(api.get("/api/v1/jobs?show=show%2F..%2Fx", RunningApi.READER), 400).getString("parameter")).isEqualTo("show");
        assertThat(problem(api.get("/api/v1/jobs?shot=sh%20010", RunningApi.READER), 400).getString("parameter")).isEqualTo("shot");
        assertThat(problem(api.get("/api/v1/jobs/job-001/frames?layer=a%27b", RunningApi.READER), 400).getString("parameter")).isEqualTo("layer");
    }

    @Test
    void healthMetricsAndOpenApiAreServedWithoutAToken() throws Exception {
        assertThat(api.get("/health/live", null).statusCode()).isEqualTo(200);
        assertThat(new JsonObject(api.get("/health/ready", null).body()).getJsonObject("checks").getString("database")).isEqualTo("UP");
        api.get("/api/v1/models", RunningApi.READER);
        assertThat(api.get("/metrics", null).body()).contains("prism_results_http_requests").contains("route=\"/api/v1/models\"");
        JsonObject doc = json(api.get("/openapi.json", null), 200);
        assertThat(doc.getJsonObject("paths").containsKey("/api/v1/jobs/{jobId}/frames")).isTrue();
        assertThat(api.get("/openapi.yaml", null).body()).startsWith("openapi: 3.1.0");
    }

    // ------------------------------------------------------------------ helpers

    private javax.sql.DataSource ds() {
        return ResultsApiService.plainDataSource(api.context.database());
    }

    private long scalar(String sql) throws Exception {
        try (Connection c = ds().getConnection()) {
            return TestKit.count(c, sql);
        }
    }

    private static JsonObject json(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        return new JsonObject(r.body());
    }

    private static JsonArray items(HttpResponse<String> r) {
        return json(r, 200).getJsonArray("items");
    }

    private static JsonObject problem(HttpResponse<String> r, int status) {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/problem+json");
        JsonObject p = new JsonObject(r.body());
        assertThat(p.getInteger("status")).isEqualTo(status);
        assertThat(p.getString("title")).isNotBlank();
        assertThat(p.getString("detail")).isNotBlank();
        assertThat(p.getString("type")).startsWith("https://");
        return p;
    }
}
