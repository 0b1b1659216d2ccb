package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.FrameProcessed;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.testing.TestInfra;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults while frames are being processed, on the embedded broker and database (which these tests stop and start):
 * a worker process killed with SIGKILL mid-run and replaced, a broker restart, a database restart. Each time every
 * frame ends with exactly one result row per task (none lost, none duplicated) and is announced.
 */
class FaultToleranceTest {
    static final int FRAMES = 40;
    @TempDir
    Path dir;
    WorkerTestKit kit;
    EmbeddedInfrastructure infra;

    @BeforeEach
    void start() throws Exception {
        infra = TestInfra.embedded();
        kit = new WorkerTestKit(infra, dir);
    }

    @AfterEach
    void stop() throws Exception {
        if (!infra.kafka().isRunning()) infra.kafka().start();
        if (!infra.postgres().isRunning()) infra.postgres().start();
        kit.close();
    }

    @Test
    void aWorkerKilledMidRunIsReplacedWithoutLosingOrDuplicatingAFrame() throws Exception {
        List<FrameSubmitted> frames = kit.goodFrames(FRAMES, 4, "kill");
        for (FrameSubmitted f : frames) kit.publish(f);
        Process child = startWorkerProcess();
        try {
            await("the child worker is mid-run", Duration.ofSeconds(120),
                    quietly(() -> kit.count("SELECT count(*) FROM results") >= 12));
        } finally {
            child.destroyForcibly(); // SIGKILL: no shutdown hook, no commit, batches cut off mid-way
            child.waitFor();
        }
        long atKill = kit.count("SELECT count(*) FROM results");
        assertThat(atKill).as("killed before the end").isLessThan(2L * FRAMES);
        kit.startWorker(Map.of("PRISM_WORKER_INSTANCE", "replacement"));
        assertEveryFrameProcessedOnce(frames);
    }

    @Test
    void aBrokerRestartWhileProcessingLosesNothing() throws Exception {
        GpuWorker worker = kit.startWorker(Map.of());
        List<FrameSubmitted> frames = kit.goodFrames(FRAMES, 4, "broker");
        for (FrameSubmitted f : frames) kit.publish(f);
        await("processing under way", Duration.ofSeconds(90), quietly(() -> kit.count("SELECT count(*) FROM results") >= 10));
        infra.kafka().stop();
        assertThat(worker.health().ready()).as("not ready while the broker is down").isFalse();
        Thread.sleep(3000); // the worker keeps writing what it has; commits and announcements fail and are retried
        infra.kafka().start();
        await("ready again", Duration.ofSeconds(60), () -> worker.health().ready());
        assertEveryFrameProcessedOnce(frames);
    }

    @Test
    void aDatabaseRestartWhileProcessingLosesNothing() throws Exception {
        GpuWorker worker = kit.startWorker(Map.of());
        List<FrameSubmitted> frames = kit.goodFrames(FRAMES, 4, "db");
        for (FrameSubmitted f : frames) kit.publish(f);
        await("processing under way", Duration.ofSeconds(90), quietly(() -> kit.count("SELECT count(*) FROM results") >= 10));
        infra.postgres().stop();
        assertThat(worker.health().ready()).as("not ready while its database is down").isFalse();
        Thread.sleep(3000); // writes fail and are retried with backoff; offsets are not committed meanwhile
        infra.postgres().start();
        await("ready again", Duration.ofSeconds(60), () -> worker.health().ready());
        assertEveryFrameProcessedOnce(frames);
    }

    private void assertEveryFrameProcessedOnce(List<FrameSubmitted> frames) throws Exception {
        await("every frame processed", Duration.ofSeconds(150),
                quietly(() -> kit.count("SELECT count(*) FROM frames WHERE status = 'processed'") == frames.size()));
        assertThat(kit.count("SELECT count(*) FROM results")).as("one row per frame and task, no duplicates").isEqualTo(2L * frames.size());
        assertThat(kit.count("SELECT count(*) FROM (SELECT frame_id FROM results GROUP BY frame_id HAVING count(*) = 2) x"))
                .isEqualTo(frames.size());
        Set<UUID> ids = frames.stream().map(FrameSubmitted::frameId).collect(Collectors.toSet());
        List<PrismEvent> events = kit.events(WorkerTestKit.resultsTopic(), ids, e -> e instanceof FrameProcessed,
                2 * frames.size(), Duration.ofSeconds(90));
        Set<String> announced = events.stream().map(e -> ((FrameProcessed) e).frameId() + "/" + ((FrameProcessed) e).task())
                .collect(Collectors.toSet());
        assertThat(announced).as("every result announced (at least once)").hasSize(2 * frames.size());
    }

    private Process startWorkerProcess() throws Exception {
        Map<String, String> env = new HashMap<>(kit.workerEnv(Map.of("PRISM_WORKER_INSTANCE", "doomed")));
        env.put("PRISM_KAFKA_BOOTSTRAP", infra.kafkaBootstrapServers());
        env.put("PRISM_JDBC_URL", kit.platform.jdbcUrl());
        env.put("PRISM_DB_USER", kit.platform.dbUser());
        env.put("PRISM_DB_PASSWORD", kit.platform.dbPassword());
        env.put("PRISM_BLOB_ROOT", kit.platform.blobRoot().toString());
        env.put("PRISM_DATA_DIR", dir.resolve("child").toString());
        env.put("DJL_OFFLINE", "true");
        env.put("OPT_OUT_TRACKING", "true");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx768m", "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"), WorkerProcess.class.getName());
        pb.environment().putAll(env);
        Path log = dir.resolve("child-worker.log");
        pb.redirectErrorStream(true).redirectOutput(log.toFile());
        Process p = pb.start();
        await("the child worker started", Duration.ofSeconds(120), () -> {
            try {
                if (!p.isAlive()) throw new AssertionError("child worker died: " + Files.readString(log));
                return Files.readString(log).contains("WORKER-STARTED");
            } catch (java.io.IOException e) {
                return false;
            }
        });
        return p;
    }
}
