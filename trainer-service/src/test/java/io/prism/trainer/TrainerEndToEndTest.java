package io.prism.trainer;

import static io.prism.platform.testing.TestKit.awaitValue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.contracts.ModelPromoted;
import io.prism.platform.contracts.ModelRolledBack;
import io.prism.platform.contracts.PrismEvent;
import io.prism.trainer.db.TrainingPairEntity;
import io.prism.trainer.db.TrainingRunRepository;
import io.prism.platform.db.TrainingRunEntity;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.registry.ModelVersion;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.topics.Topics;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Style;
import io.prism.trainer.cli.ModelsCommand;
import io.prism.trainer.dataset.SplitBucket;
import io.prism.trainer.run.RunExecutor;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The trainer end to end, against the real broker and database, with real training (engine), real evaluation and
 * real synthetic frames (simulator). The "active model" is a tiny albedo model (32 px, UNet widths 8/16) that the
 * engine trains on studio frames before the tests; the trainer fine-tunes it in 30 steps of effective batch 4.
 */
class TrainerEndToEndTest {
    static final String ADMIN = "admin-secret-1";
    static final String VIEWER = "viewer-secret-1";
    static Infrastructure infra;
    static List<RenderedFrame> sunset;
    static List<RenderedFrame> neonForResume;
    static List<RenderedFrame> studioPairs;
    @TempDir
    static Path shared;
    static Path models;

    @BeforeAll
    static void prepare() throws Exception {
        infra = TestInfra.shared();
        List<RenderedFrame> studio = Fixtures.render(Style.STUDIO, 100, 12, 32, 4);
        Path base = Fixtures.tinyAlbedoModel(shared.resolve("base-training"), studio, 40);
        models = shared.resolve("models");
        copyTree(base, models.resolve("albedo-v1"));   // the "shipped default" the service registers as v1
        sunset = Fixtures.render(Style.SUNSET, 500, 16, 32, 4);
        // Every test gets frames of its own: blobs are content-addressed and every test's consumer reads the topic
        // from the start, so shared frames would let one test's pairs count in another's database.
        neonForResume = Fixtures.render(Style.NEON, 600, 16, 32, 4);
        studioPairs = Fixtures.render(Style.STUDIO, 200, 16, 32, 4);
    }

    static Map<String, String> env(String name, String instance) {
        Map<String, String> e = new HashMap<>();
        e.put("PRISM_DATA_DIR", shared.resolve(name).toString());
        e.put("PRISM_MODELS_DIR", models.toString());
        e.put("PRISM_TRAINER_TASKS", "albedo");
        e.put("PRISM_TRAINER_PORT", "0");
        e.put("PRISM_TRAINER_GROUP", "trainer-" + name);
        e.put("PRISM_TRAINER_INSTANCE", instance);
        e.put("PRISM_TOKENS", "ops:" + ADMIN + ":admin,viewer:" + VIEWER + ":read");
        e.put("PRISM_TRAINER_MIN_NEW_PAIRS", "16");
        e.put("PRISM_TRAINER_HOLDOUT_FRACTION", "0.3");
        e.put("PRISM_TRAINER_MIN_HOLDOUT", "3");
        e.put("PRISM_TRAINER_POLICY_INTERVAL", "500ms");
        e.put("PRISM_TRAINER_STEPS", "30");
        e.put("PRISM_TRAINER_MICRO_BATCH", "2");
        e.put("PRISM_TRAINER_GRAD_ACCUMULATION", "2");
        e.put("PRISM_TRAINER_LEARNING_RATE", "3e-4");
        e.put("PRISM_TRAINER_WARMUP_STEPS", "3");
        e.put("PRISM_TRAINER_CHECKPOINT_EVERY", "10");
        e.put("PRISM_TRAINER_GUARD_FRAMES", "4");
        e.put("PRISM_TRAINER_GUARD_SIZE", "32");
        e.put("PRISM_TRAINER_GUARD_SAMPLES", "4");
        e.put("PRISM_TRAINER_REPLAY_FRAMES", "12");
        e.put("PRISM_TRAINER_ALBEDO_MARGIN", "0.5");
        e.put("PRISM_TRAINER_TOLERANCE_PSNR", "1.0");
        e.put("PRISM_TRAINER_TOLERANCE_SSIM", "0.05");
        e.put("PRISM_TRAINER_HEARTBEAT", "500ms");
        e.put("PRISM_TRAINER_LEASE_TTL", "3s");
        return e;
    }

    static Map<String, String> workerEnv(String name) {
        Map<String, String> e = new HashMap<>();
        e.put("PRISM_DATA_DIR", shared.resolve(name).toString());
        e.put("PRISM_MODELS_DIR", models.toString());
        e.put("PRISM_WORKER_TASKS", "albedo");
        e.put("PRISM_WORKER_PORT", "0");
        e.put("PRISM_WORKER_THREADS", "1");
        e.put("PRISM_WORKER_GROUP", "worker-" + name);
        e.put("PRISM_WORKER_INSTANCE", "worker-" + name);
        return e;
    }

    static PlatformConfig platform(String name) throws Exception {
        Files.createDirectories(shared.resolve(name));
        return TestInfra.platformConfig(infra, shared.resolve(name).resolve("blobs"), Map.of());
    }

    @Test
    void pairsOfANewStyleStartARunByPolicy_candidateBeatsActiveAndPassesGuard_promoted_thenRolledBackByHand() throws Exception {
        PlatformConfig pc = platform("promote");
        try (TrainerInstance a = TrainerInstance.start(pc, env("promote", "trainer-a"));
             WorkerInstance worker = WorkerInstance.start(pc, workerEnv("promote"))) {
            ModelVersion v1 = a.service.registry().active("albedo").orElseThrow();
            assertThat(v1.version()).isEqualTo(1);
            assertThat(worker.activeVersion("albedo")).isEqualTo(1);

            List<GroundTruthPairSubmitted> events = new ArrayList<>(Fixtures.pairs(a.context.blobs(), "sunset-show", "sunset", sunset, 0));
            // Two bad pairs in the stream: a lying size and a blob that was never stored. Refused, never trained on.
            GroundTruthPairSubmitted good = events.get(0);
            var lying = new io.prism.platform.contracts.BlobRef(good.beauty().uri(), good.beauty().sha256(), good.beauty().size() - 1,
                    "image/x-exr", null, null, null);
            events.add(Fixtures.pair("sunset-show", "sunset", 100, lying, good.albedo(), null));
            String nowhere = "cd".repeat(32);
            events.add(Fixtures.pair("sunset-show", "sunset", 101, good.beauty(),
                    new io.prism.platform.contracts.BlobRef(io.prism.platform.blob.BlobStore.uriOf(nowhere), nowhere, 10, null, null, null, null), null));
            long holdout = events.subList(0, sunset.size()).stream().filter(e -> SplitBucket.isHoldout(SplitBucket.of(e.pairId()), 0.3)).count();
            assertThat(holdout).as("deterministic split of this show's pair ids").isBetween(3L, 8L);
            Fixtures.publish(pc.kafkaBootstrap(), events);

            TrainingRunEntity run = awaitFinished(a.runs, Duration.ofMinutes(12));
            assertThat(run.status()).as(run.log()).isEqualTo("promoted");
            assertThat(run.trigger()).contains("16 new pairs");
            assertThat(run.stepsDone()).isEqualTo(30);
            assertThat(run.checkpointDir()).startsWith(shared.resolve("promote").toAbsolutePath().toString());

            // The bad pairs: rejected with their reasons, and not in the run's snapshot.
            TrainingPairEntity lied = a.pairs.findById(events.get(16).pairId()).orElseThrow();
            assertThat(lied.status()).isEqualTo("rejected");
            assertThat(lied.rejectReason()).contains("size mismatch");
            assertThat(a.pairs.findById(events.get(17).pairId()).orElseThrow().rejectReason()).contains("not in the blob store");
            List<UUID> snapshot = new ArrayList<>();
            a.pairs.findOfRun(run.id(), "train").forEach(p -> snapshot.add(p.id()));
            a.pairs.findOfRun(run.id(), "holdout").forEach(p -> snapshot.add(p.id()));
            assertThat(snapshot).hasSize(16).doesNotContain(events.get(16).pairId(), events.get(17).pairId());

            // The registry: v2 is active, a child of v1, with both evaluations and its data snapshot.
            ModelVersion v2 = a.service.registry().active("albedo").orElseThrow();
            assertThat(v2.version()).isEqualTo(2);
            assertThat(v2.parentVersion()).isEqualTo(1);
            assertThat(v2.dataSnapshot()).containsEntry("runId", run.id().toString()).containsEntry("trainPairs", 16 - (int) holdout)
                    .containsEntry("replayFrames", 12);
            Map<String, Double> m = v2.metrics();
            assertThat(m.get("holdout.psnr") - m.get("active_v1.holdout.psnr")).as(m.toString()).isGreaterThanOrEqualTo(0.5);
            assertThat(m.get("guard_studio.psnr")).isGreaterThanOrEqualTo(m.get("active_v1.guard_studio.psnr") - 1.0);
            Map<String, Object> runMetrics = EventCodec.mapper().readValue(run.metrics(), new TypeReference<>() {});
            assertThat(runMetrics).containsKeys("evaluation", "gate", "training", "data");
            assertThat(map(runMetrics.get("evaluation"))).containsKeys("candidate", "active");
            assertThat(map(runMetrics.get("gate"))).containsEntry("passed", true);

            // ModelPromoted for v2 reached prism.models.v1 (through the outbox relay).
            ModelPromoted promoted = awaitEvent(pc.kafkaBootstrap(), ModelPromoted.class,
                    e -> e.task().equals("albedo") && e.artifact().sha256().equals(v2.artifact().sha256()));
            assertThat(promoted.version()).isEqualTo(2);
            assertThat(promoted.previousVersion()).isEqualTo(1);
            // A running worker follows it.
            awaitValue(() -> worker.activeVersion("albedo") == 2 ? Optional.of(true) : Optional.empty(), Duration.ofSeconds(60));

            // Admin HTTP: rollback needs an admin token; it restores v1 and announces it.
            HttpClient http = HttpClient.newHttpClient();
            URI rollback = URI.create("http://localhost:" + a.service.httpPort() + "/admin/models/albedo/rollback");
            assertThat(post(http, rollback, null).statusCode()).isEqualTo(401);
            assertThat(post(http, rollback, VIEWER).statusCode()).isEqualTo(403);
            HttpResponse<String> back = post(http, rollback, ADMIN);
            assertThat(back.statusCode()).as(back.body()).isEqualTo(200);
            assertThat(new io.vertx.core.json.JsonObject(back.body()).getInteger("version")).isEqualTo(1);
            assertThat(a.service.registry().active("albedo").orElseThrow().version()).isEqualTo(1);
            assertThat(a.service.registry().find("albedo", 2).orElseThrow().status()).isEqualTo("rejected");
            ModelRolledBack rolled = awaitEvent(pc.kafkaBootstrap(), ModelRolledBack.class,
                    e -> e.task().equals("albedo") && e.artifact().sha256().equals(v1.artifact().sha256()) && e.fromVersion() == 2);
            assertThat(rolled.toVersion()).isEqualTo(1);
            // ... and the rollback: the worker serves v1 again.
            awaitValue(() -> worker.activeVersion("albedo") == 1 ? Optional.of(true) : Optional.empty(), Duration.ofSeconds(60));

            // The CLI sees the same registry.
            StringWriter out = new StringWriter();
            int code = new CommandLine(new ModelsCommand(pc)).setOut(new PrintWriter(out)).execute("list", "albedo");
            assertThat(code).isZero();
            assertThat(out.toString()).contains("v2", "rejected", "v1", "active");

            // Health and metrics.
            HttpResponse<String> ready = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + a.service.httpPort() + "/health/ready")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(ready.statusCode()).as(ready.body()).isEqualTo(200);
            String metrics = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + a.service.httpPort() + "/metrics")).build(),
                    HttpResponse.BodyHandlers.ofString()).body();
            assertThat(metrics).contains("prism_trainer_runs_total{outcome=\"promoted\",task=\"albedo\"} 1.0",
                    "prism_trainer_last_gate_passed{task=\"albedo\"} 1.0", "prism_trainer_pairs_total{status=\"rejected\"}");
        }
    }

    @Test
    void pairsThatCannotHelp_shuffledTargets_areRejectedByTheGateWithBothEvaluationsRecorded() throws Exception {
        PlatformConfig pc = platform("shuffled");
        Map<String, String> env = env("shuffled", "trainer-s");
        env.put("PRISM_TRAINER_REPLAY_FRAMES", "0"); // the candidate learns from the bad pairs alone
        try (TrainerInstance a = TrainerInstance.start(pc, env)) {
            // Studio frames whose training targets belong to other frames (misregistered AOVs); the holdout keeps
            // its true targets, being the reference the gate judges by.
            List<GroundTruthPairSubmitted> honest = Fixtures.pairs(a.context.blobs(), "studio-show", "studio", studioPairs, 0);
            List<GroundTruthPairSubmitted> shuffled = Fixtures.pairs(a.context.blobs(), "studio-show", "studio", studioPairs, 5);
            List<GroundTruthPairSubmitted> events = new ArrayList<>();
            for (int i = 0; i < honest.size(); i++) {
                events.add(SplitBucket.isHoldout(SplitBucket.of(honest.get(i).pairId()), 0.3) ? honest.get(i) : shuffled.get(i));
            }
            Fixtures.publish(pc.kafkaBootstrap(), events);

            TrainingRunEntity run = awaitFinished(a.runs, Duration.ofMinutes(12));
            assertThat(run.status()).as(run.log()).isEqualTo("rejected");
            assertThat(run.candidateVersion()).isEqualTo(2);
            ModelVersion candidate = a.service.registry().find("albedo", 2).orElseThrow();
            assertThat(candidate.status()).isEqualTo("rejected");
            assertThat(candidate.metrics()).containsKeys("holdout.psnr", "active_v1.holdout.psnr", "guard_studio.psnr",
                    "active_v1.guard_studio.psnr", "gate.passed");
            assertThat(candidate.metrics().get("gate.passed")).isZero();
            assertThat(candidate.notes()).contains("gate failed");
            Map<String, Object> runMetrics = EventCodec.mapper().readValue(run.metrics(), new TypeReference<>() {});
            Map<String, Object> evaluation = map(runMetrics.get("evaluation"));
            assertThat(map(evaluation.get("candidate"))).containsKeys("holdout", "guard_studio");
            assertThat(map(evaluation.get("active"))).containsKeys("holdout", "guard_studio");
            assertThat((List<?>) (map(runMetrics.get("gate"))).get("failures")).isNotEmpty();
            assertThat(a.service.registry().active("albedo").orElseThrow().version()).isEqualTo(1);
        }
    }

    @Test
    void aKilledTrainerResumesItsRunFromTheLastCheckpointAndTwoInstancesNeverRunTheSameTask() throws Exception {
        PlatformConfig pc = platform("resume");
        final TrainerInstance a = TrainerInstance.start(pc, env("resume", "trainer-a"));
        boolean aClosed = false;
        TrainerInstance b = null;
        try {
            Fixtures.publish(pc.kafkaBootstrap(), Fixtures.pairs(a.context.blobs(), "neon-resume", "neon", neonForResume, 0));
            TrainingRunEntity started = awaitValue(() -> a.runs.findNewest("albedo", 5).stream().findFirst(), Duration.ofMinutes(3));
            // A second instance on the same database: while A holds the task's lease, B never starts or takes a run.
            b = TrainerInstance.start(pc, env("resume", "trainer-b"));
            TrainerInstance bb = b;
            TrainingRunEntity checkpointed = awaitValue(() -> a.runs.findById(started.id())
                    .filter(r -> r.metrics().contains("lastCheckpointStep")), Duration.ofMinutes(8));
            RunExecutor.TickResult tick = b.service.executor().tick("albedo");
            assertThat(tick.outcome()).isEqualTo(RunExecutor.Outcome.LEASE_HELD);
            assertThat(tick.detail()).contains("trainer-a");
            assertThat(a.runs.findNewest("albedo", 5)).hasSize(1);

            // Kill A mid-run: no clean-up, its lease runs out by itself.
            a.service.halt();
            awaitValue(() -> a.service.executor().busy("albedo") ? Optional.empty() : Optional.of(true), Duration.ofMinutes(3));
            int stepsAtKill = a.runs.findById(started.id()).orElseThrow().stepsDone();
            assertThat(a.runs.findById(started.id()).orElseThrow().status()).isEqualTo("running");
            a.close();
            aClosed = true;

            TrainingRunEntity finished = awaitFinished(bb.runs, Duration.ofMinutes(10));
            assertThat(finished.id()).isEqualTo(started.id());
            assertThat(finished.status()).as(finished.log()).isIn("promoted", "rejected");
            assertThat(finished.owner()).isEqualTo("trainer-b");
            assertThat(finished.stepsDone()).isEqualTo(30);
            Map<String, Object> metrics = EventCodec.mapper().readValue(finished.metrics(), new TypeReference<>() {});
            int resumedFrom = ((Number) metrics.get("resumedFromStep")).intValue();
            assertThat(resumedFrom).as("resumed from a checkpoint, not from zero").isGreaterThanOrEqualTo(10).isLessThanOrEqualTo(Math.max(10, stepsAtKill));
            assertThat(resumedFrom % 10).isZero();
            assertThat(finished.log()).contains("resumed by trainer-b (previous owner trainer-a", "resumed from checkpoint at step " + resumedFrom);
            assertThat(bb.runs.findNewest("albedo", 5)).hasSize(1);
            assertThat(checkpointed.checkpointDir()).isEqualTo(finished.checkpointDir());
        } finally {
            if (!aClosed) a.close();
            if (b != null) b.close();
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    static HttpResponse<String> post(HttpClient http, URI uri, String token) throws Exception {
        HttpRequest.Builder r = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString("{\"reason\":\"test rollback\"}"))
                .header("content-type", "application/json");
        if (token != null) r.header("Authorization", "Bearer " + token);
        return http.send(r.build(), HttpResponse.BodyHandlers.ofString());
    }

    static TrainingRunEntity awaitFinished(TrainingRunRepository runs, Duration timeout) throws Exception {
        return awaitValue(() -> runs.findNewest("albedo", 5).stream().filter(r -> r.finishedAt() != null).findFirst(), timeout);
    }

    static <T extends PrismEvent> T awaitEvent(String bootstrap, Class<T> type, Predicate<T> match) throws Exception {
        var props = KafkaSettings.toProperties(KafkaSettings.consumer(bootstrap, "test-" + UUID.randomUUID(), "test-models"));
        try (KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props)) {
            c.subscribe(List.of(Topics.MODELS.name()));
            long end = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (System.nanoTime() < end) {
                for (ConsumerRecord<String, byte[]> r : c.poll(Duration.ofMillis(500))) {
                    PrismEvent e = EventCodec.decode(r.value());
                    if (type.isInstance(e) && match.test(type.cast(e))) return type.cast(e);
                }
            }
        }
        throw new AssertionError("no matching " + type.getSimpleName() + " on " + Topics.MODELS.name());
    }

    static void copyTree(Path from, Path to) throws Exception {
        try (var s = Files.walk(from)) {
            for (Path p : s.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }
}
