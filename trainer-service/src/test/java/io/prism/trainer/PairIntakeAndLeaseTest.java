package io.prism.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.db.Database;
import io.prism.trainer.db.LeaseRepository;
import io.prism.trainer.db.TrainingPairEntity;
import io.prism.trainer.db.TrainingPairRepository;
import io.prism.trainer.db.TrainingRunRepository;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Style;
import io.prism.trainer.dataset.PairIntake;
import io.prism.trainer.dataset.SplitBucket;
import io.prism.trainer.run.PairLoader;
import io.prism.vision.image.FloatImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pair intake against the real database and blob store; the lease under contention. */
class PairIntakeAndLeaseTest {
    static Database db;
    static TrainingPairRepository pairs;
    static TrainingRunRepository runs;
    static LeaseRepository leases;
    static List<RenderedFrame> frames;
    @TempDir
    static Path dir;

    @BeforeAll
    static void start() {
        Infrastructure infra = TestInfra.shared();
        db = Database.start(TestInfra.freshDatabase(infra), infra.dbUser(), infra.dbPassword(), 4);
        pairs = db.repository(TrainingPairRepository.class);
        runs = db.repository(TrainingRunRepository.class);
        leases = db.repository(LeaseRepository.class);
        frames = Fixtures.render(Style.SUNSET, 300, 3, 32, 2);
    }

    @AfterAll
    static void stop() {
        db.close();
    }

    @Test
    void badPairsAreRefusedWithReasonsAndNeverEnterARun() throws Exception {
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        PairIntake intake = new PairIntake(pairs, blobs);
        String show = "intake";
        RenderedFrame f = frames.get(0);
        BlobRef beauty = Fixtures.put(blobs, f.beauty());
        BlobRef albedo = Fixtures.put(blobs, f.albedo());

        GroundTruthPairSubmitted good = Fixtures.pair(show, "sunset", 0, beauty, albedo, null);
        assertThat(intake.accept(good).accepted()).isTrue();
        // Redelivered: recognised by its pair id, nothing new written.
        assertThat(intake.accept(good).duplicate()).isTrue();

        List<GroundTruthPairSubmitted> bad = new ArrayList<>();
        Map<Integer, String> expected = new java.util.LinkedHashMap<>();
        // 1: the message claims a different byte size than the stored blob.
        bad.add(Fixtures.pair(show, "sunset", 1, new BlobRef(beauty.uri(), beauty.sha256(), beauty.size() + 7, "image/x-exr", 32, 32, 3), albedo, null));
        expected.put(1, "beauty size mismatch");
        // 2: a blob nobody stored.
        String missing = "ab".repeat(32);
        bad.add(Fixtures.pair(show, "sunset", 2, beauty, new BlobRef(io.prism.platform.blob.BlobStore.uriOf(missing), missing, 100, "image/x-exr", null, null, null), null));
        expected.put(2, "albedo blob " + missing + " is not in the blob store");
        // 3: stored bytes that are no image at all.
        BlobRef garbage = blobs.put("definitely not an EXR file".repeat(10).getBytes(), "image/x-exr");
        bad.add(Fixtures.pair(show, "sunset", 3, beauty, garbage, null));
        expected.put(3, "albedo is unreadable");
        // 4: the stored file was damaged after it was written (checksum no longer matches).
        BlobRef damaged = Fixtures.put(blobs, frames.get(1).albedo());
        Path file = blobs.pathOf(damaged.sha256());
        byte[] b = Files.readAllBytes(file);
        b[b.length - 10] ^= 0x5a;
        Files.write(file, b);
        bad.add(Fixtures.pair(show, "sunset", 4, beauty, damaged, null));
        expected.put(4, "albedo checksum mismatch");
        // 5: the target is not the beauty's size.
        BlobRef small = Fixtures.put(blobs, Fixtures.render(Style.SUNSET, 301, 1, 16, 1).get(0).albedo());
        bad.add(Fixtures.pair(show, "sunset", 5, beauty, small, null));
        expected.put(5, "albedo is 16x16 but beauty is 32x32");
        // 6: NaN pixels in the target.
        FloatImage nan = frames.get(2).albedo().copy();
        nan.planes()[1][17] = Float.NaN;
        bad.add(Fixtures.pair(show, "sunset", 6, beauty, Fixtures.put(blobs, nan), null));
        expected.put(6, "albedo has 1 NaN/Inf values");
        // 7: the message's announced shape disagrees with the image.
        bad.add(Fixtures.pair(show, "sunset", 7, beauty.withImage(64, 64, 3), albedo, null));
        expected.put(7, "beauty is 32x32 but the message says 64x64");

        for (GroundTruthPairSubmitted e : bad) {
            PairIntake.Outcome o = intake.accept(e);
            assertThat(o.accepted()).as("pair %d", e.frameNumber()).isFalse();
            assertThat(o.reason()).as("pair %d", e.frameNumber()).contains(expected.get(e.frameNumber()));
            TrainingPairEntity row = pairs.findById(e.pairId()).orElseThrow();
            assertThat(row.status()).isEqualTo("rejected");
            assertThat(row.rejectReason()).contains(expected.get(e.frameNumber()));
            assertThat(row.splitBucket()).isEqualTo(SplitBucket.of(e.pairId()));
        }
        assertThat(pairs.findRejected(100)).hasSize(bad.size());
        var stats = pairs.statistics(SplitBucket.threshold(0.5));
        assertThat(stats).singleElement().satisfies(s -> {
            assertThat(s.show()).isEqualTo(show);
            assertThat(s.style()).isEqualTo("sunset");
            assertThat(s.accepted()).isEqualTo(1L);
            assertThat(s.rejected()).isEqualTo(bad.size());
            assertThat(s.albedo()).isEqualTo(1L);
        });

        // A run's snapshot takes accepted pairs only (every holdout fraction puts the good one somewhere).
        var run = runs.create("albedo", 1, "test", 10, "me", dir.resolve("runs"), SplitBucket.threshold(0.5), 100);
        List<TrainingPairEntity> snapshot = new ArrayList<>(pairs.findOfRun(run.id(), "train"));
        snapshot.addAll(pairs.findOfRun(run.id(), "holdout"));
        assertThat(snapshot).extracting(TrainingPairEntity::id).containsExactly(good.pairId());
        assertThat(pairs.findOfRun(run.id(), "train").size() + pairs.findOfRun(run.id(), "holdout").size()).isEqualTo(1);
        assertThat(pairs.countAcceptedSince("albedo", null)).isEqualTo(1);
        assertThat(pairs.countAcceptedSince("mask", null)).isZero();
        // And the loader refuses a rejected pair outright, should one ever be handed to it.
        TrainingPairEntity rejected = pairs.findById(bad.get(0).pairId()).orElseThrow();
        assertThatThrownBy(() -> new PairLoader(blobs).load("albedo", List.of(rejected))).hasMessageContaining("must never be trained on");
        assertThat(new PairLoader(blobs).load("albedo", List.of(pairs.findById(good.pairId()).orElseThrow())))
                .singleElement().satisfies(l -> assertThat(l.target().width()).isEqualTo(32));
    }

    @Test
    void exactlyOneOfManyContendersGetsTheLeaseAndAnExpiredLeaseCanBeTakenOver() throws Exception {
        String name = "trainer:test-" + UUID.randomUUID();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            List<Callable<Boolean>> contenders = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                String owner = "instance-" + i;
                contenders.add(() -> leases.acquire(name, owner, Duration.ofSeconds(30)));
            }
            long winners = 0;
            for (Future<Boolean> f : pool.invokeAll(contenders)) winners += f.get() ? 1 : 0;
            assertThat(winners).isEqualTo(1);
        } finally {
            pool.shutdown();
        }
        String holder = leases.findHolder(name).orElseThrow();
        assertThat(leases.acquire(name, holder, Duration.ofSeconds(30))).as("re-entrant for its holder").isTrue();
        assertThat(leases.renew(name, "someone-else", Duration.ofSeconds(30))).isFalse();

        String shortName = "trainer:test-" + UUID.randomUUID();
        assertThat(leases.acquire(shortName, "a", Duration.ofMillis(300))).isTrue();
        assertThat(leases.acquire(shortName, "b", Duration.ofSeconds(30))).isFalse();
        Thread.sleep(500);
        assertThat(leases.acquire(shortName, "b", Duration.ofSeconds(30))).as("expired: b takes over").isTrue();
        assertThat(leases.renew(shortName, "a", Duration.ofSeconds(30))).as("a's renewal is fenced off").isFalse();
        leases.release(shortName, "a");
        assertThat(leases.findHolder(shortName)).contains("b");
        leases.release(shortName, "b");
        assertThat(leases.findHolder(shortName)).isEmpty();
    }
}
