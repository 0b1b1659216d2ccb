package io.prism.ingest;

import io.prism.vision.testing.TestExrs;
import static io.prism.platform.testing.TestKit.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.blob.Sha256;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.topics.Topics;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The watch folder against the real broker and database: every complete frame exactly once, AOVs beside a beauty
 * (or inside it) become pairs, half-written files are never submitted, and a restart in the middle of a run neither
 * misses nor repeats a frame.
 */
class WatchFolderTest {
    static IngestHarness h;

    @BeforeAll
    static void start() throws Exception {
        h = IngestHarness.start(Map.of("PRISM_WATCH_ENABLED", "true", "PRISM_WATCH_STABLE_FOR", "300ms",
                "PRISM_WATCH_INTERVAL", "100ms"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (h != null) h.close();
    }

    private static String show() {
        return "w" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static Path frame(String show, String shot, String layer, int n) {
        return h.renders.resolve(show + "/" + shot + "/" + layer + "/" + shot + String.format(".%04d.exr", n));
    }

    private static long rows(String job) {
        try {
            return h.count("SELECT count(*) FROM frames WHERE job_id = ?", job);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void completeFramesAreSubmittedOnceAndAovsBesideOrInsideBecomePairs() throws Exception {
        String show = show();
        String job = show + "-sh010";
        // Frame 1: a broken albedo beside it (truncated): the pair is refused, the beauty is still taken on its own.
        byte[] albedo1 = TestExrs.encode(TestExrs.beauty(11));
        Files.createDirectories(frame(show, "sh010", "albedo", 1).getParent());
        Files.write(frame(show, "sh010", "albedo", 1), Arrays.copyOf(albedo1, albedo1.length / 3));
        TestExrs.write(frame(show, "sh010", "beauty", 1), TestExrs.beauty(1));
        // Frame 2: albedo and mask AOVs as separate files beside the beauty.
        TestExrs.write(frame(show, "sh010", "albedo", 2), TestExrs.beauty(21));
        TestExrs.write(frame(show, "sh010", "mask", 2), TestExrs.image(48, 32, 22, "Y"));
        TestExrs.write(frame(show, "sh010", "beauty", 2), TestExrs.beauty(2));
        // Frame 3: the AOVs are layers of the beauty EXR.
        TestExrs.write(frame(show, "sh010", "beauty", 3), TestExrs.multiLayer(3));
        // Frame 4: plain beauty now, its albedo arrives after the beauty was submitted.
        TestExrs.write(frame(show, "sh010", "beauty", 4), TestExrs.beauty(4));
        // Not frames: a layer that is neither beauty nor AOV, and a file outside the pattern.
        TestExrs.write(frame(show, "sh010", "depth", 1), TestExrs.image(48, 32, 5, "Z"));
        Files.writeString(h.renders.resolve(show + "/notes.txt"), "not a frame");

        await("4 frames", Duration.ofSeconds(30), () -> rows(job) == 4);
        TestExrs.write(frame(show, "sh010", "albedo", 4), TestExrs.beauty(41));

        List<GroundTruthPairSubmitted> pairs = h.events(Topics.PAIRS.name(), GroundTruthPairSubmitted.class,
                e -> e.jobId().equals(job), 3, Duration.ofSeconds(30));
        assertThat(pairs).extracting(GroundTruthPairSubmitted::frameNumber).containsExactlyInAnyOrder(2, 3, 4);
        GroundTruthPairSubmitted p2 = pairs.stream().filter(p -> p.frameNumber() == 2).findFirst().orElseThrow();
        assertThat(p2.albedo().sha256()).isEqualTo(Sha256.hex(frame(show, "sh010", "albedo", 2)));
        assertThat(p2.mask()).isNotNull();
        GroundTruthPairSubmitted p3 = pairs.stream().filter(p -> p.frameNumber() == 3).findFirst().orElseThrow();
        assertThat(p3.albedo().channels()).isEqualTo(3);
        assertThat(p3.mask().channels()).isEqualTo(1);
        GroundTruthPairSubmitted p4 = pairs.stream().filter(p -> p.frameNumber() == 4).findFirst().orElseThrow();
        assertThat(p4.mask()).isNull();

        List<FrameSubmitted> frames = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 4, Duration.ofSeconds(30));
        assertThat(frames).extracting(FrameSubmitted::frameNumber).containsExactlyInAnyOrder(1, 2, 3, 4);
        assertThat(frames).allMatch(f -> f.layer().equals("beauty") && f.show().equals(show) && f.shot().equals("sh010"));
        assertThat(rows(job)).isEqualTo(4);
        assertThat(h.count("SELECT count(*) FROM ingest_watch_files WHERE path = ? AND outcome = 'refused'",
                frame(show, "sh010", "albedo", 1).toString())).isEqualTo(1);
    }

    @Test
    void aHalfWrittenFileIsNeverSubmitted() throws Exception {
        String show = show();
        String job = show + "-sh020";
        // A writer that died half way: the file is stable but truncated. It is refused, never submitted.
        byte[] full1 = TestExrs.encode(TestExrs.beauty(101));
        Path dead = frame(show, "sh020", "beauty", 1);
        Files.createDirectories(dead.getParent());
        Files.write(dead, Arrays.copyOf(full1, full1.length / 2));
        await("the truncated file to be refused", Duration.ofSeconds(20), () -> {
            try {
                return h.count("SELECT count(*) FROM ingest_watch_files WHERE path = ? AND outcome = 'refused'", dead.toString()) == 1;
            } catch (Exception e) {
                return false;
            }
        });
        assertThat(rows(job)).isZero();
        // Operators see why (admin scope only).
        var listing = h.get("/v1/admin/watch?outcome=refused", IngestHarness.ADMIN_TOKEN);
        assertThat(listing.statusCode()).isEqualTo(200);
        assertThat(listing.body()).contains(dead.getFileName().toString()).contains("OpenEXR");
        assertThat(h.get("/v1/admin/watch", IngestHarness.READ_TOKEN).statusCode()).isEqualTo(403);

        // A slow writer: the file grows every 100 ms (faster than the 300 ms stability window) until complete.
        byte[] full2 = TestExrs.encode(TestExrs.image(256, 128, 102, "R", "G", "B"));
        Path slow = frame(show, "sh020", "beauty", 2);
        try (OutputStream out = Files.newOutputStream(slow)) {
            int step = full2.length / 12 + 1;
            for (int off = 0; off < full2.length; off += step) {
                out.write(full2, off, Math.min(step, full2.length - off));
                out.flush();
                assertThat(rows(job)).as("nothing submitted while the file is being written").isZero();
                Thread.sleep(100);
            }
        }
        // The dead writer's file is finally rewritten in full.
        Files.write(dead, full1);
        await("both frames", Duration.ofSeconds(20), () -> rows(job) == 2);
        List<FrameSubmitted> frames = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), 2, Duration.ofSeconds(30));
        assertThat(frames).hasSize(2);
        Map<Integer, String> sha = frames.stream().collect(Collectors.toMap(FrameSubmitted::frameNumber, f -> f.source().sha256()));
        assertThat(sha).containsEntry(1, Sha256.hex(full1)).containsEntry(2, Sha256.hex(full2));
    }

    @Test
    void aRestartDuringAWatchRunMissesNoFrameAndRepeatsNone() throws Exception {
        String show = show();
        String job = show + "-sh030";
        int total = 24;
        AtomicInteger written = new AtomicInteger();
        Thread farm = new Thread(() -> {
            try {
                for (int i = 1; i <= total; i++) {
                    TestExrs.write(frame(show, "sh030", "beauty", i), TestExrs.beauty(1000 + i));
                    written.incrementAndGet();
                    Thread.sleep(60);
                }
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        }, "farm");
        farm.start();
        await("some frames submitted", Duration.ofSeconds(20), () -> rows(job) >= 5);
        h.undeploy(); // the service goes away in the middle of the run...
        long atStop = rows(job);
        Thread.sleep(700); // ...while the farm keeps writing
        assertThat(rows(job)).isEqualTo(atStop);
        h.deploy();
        farm.join();
        await("all frames", Duration.ofSeconds(30), () -> rows(job) == total);
        assertThat(written.get()).isEqualTo(total);
        assertThat(atStop).isLessThan(total);

        List<FrameSubmitted> frames = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job), total, Duration.ofSeconds(30));
        assertThat(frames).hasSize(total);
        assertThat(frames.stream().map(FrameSubmitted::frameNumber).collect(Collectors.toSet())).hasSize(total);
        assertThat(rows(job)).isEqualTo(total);
    }
}
