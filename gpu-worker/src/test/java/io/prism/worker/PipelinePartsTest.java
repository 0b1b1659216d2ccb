package io.prism.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.config.Env;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.worker.pipeline.BatchQueue;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.TaskRequest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** The pipeline's pure parts: dynamic batching, task rules and configuration (offset bookkeeping: platform's PollingConsumer). */
class PipelinePartsTest {

    @Test
    void batchesFillUpToTheLimitAndKeepOtherKindsInOrder() throws Exception {
        BatchQueue q = new BatchQueue(3, 50);
        for (int i = 0; i < 4; i++) q.put(request("albedo", null));
        q.put(request("mask", null));
        q.put(request("albedo", 2)); // asks for a specific version: never batched with the active one
        assertThat(q.next(10)).hasSize(3).allMatch(r -> r.task().equals("albedo") && r.requestedVersion() == null);
        long t0 = System.nanoTime();
        List<TaskRequest> rest = q.next(10);
        assertThat(rest).hasSize(1).allMatch(r -> r.task().equals("albedo"));
        assertThat(q.next(10)).hasSize(1).allMatch(r -> r.task().equals("mask"));
        assertThat(q.next(10)).hasSize(1).allMatch(r -> r.requestedVersion() == 2);
        assertThat(q.next(10)).as("empty queue: nothing after the poll time").isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).as("a short batch waits at most the delay").isLessThan(Duration.ofSeconds(2));
    }

    @Test
    void taskRulesPickPerShowAndLayerWithDefaults() {
        TaskRules r = TaskRules.parse(List.of("albedo", "mask"), "commercial/*=albedo; */fx=mask; feature/bg=none");
        assertThat(r.tasksFor("commercial", "beauty")).containsExactly("albedo");
        assertThat(r.tasksFor("feature", "fx")).containsExactly("mask");
        assertThat(r.tasksFor("feature", "bg")).isEmpty();
        assertThat(r.tasksFor("feature", "beauty")).containsExactly("albedo", "mask");
        assertThatThrownBy(() -> TaskRules.parse(List.of("albedo"), "justtext")).hasMessageContaining("show/layer=task");
    }

    @Test
    void configHasDocumentedDefaultsAndRejectsNonsense() {
        WorkerConfig c = WorkerConfig.from(new Env(Map.of()));
        assertThat(c.port()).isEqualTo(8084);
        assertThat(c.device()).isEqualTo("cpu");
        assertThat(c.defaultTasks()).containsExactly("albedo", "mask");
        assertThat(c.maxBatch()).isEqualTo(8);
        assertThat(c.options("albedo")).isEqualTo(TaskOptions.MODEL_DEFAULTS);
        WorkerConfig d = WorkerConfig.from(new Env(Map.of("PRISM_WORKER_ALBEDO_STEPS", "4", "PRISM_WORKER_DEVICE", "gpu:1")));
        assertThat(d.options("albedo").steps()).isEqualTo(4);
        assertThat(d.device()).isEqualTo("gpu:1");
        assertThatThrownBy(() -> WorkerConfig.from(new Env(Map.of("PRISM_WORKER_DEVICE", "tpu")))).hasMessageContaining("PRISM_WORKER_DEVICE");
        assertThatThrownBy(() -> WorkerConfig.from(new Env(Map.of("PRISM_WORKER_MAX_BATCH", "x")))).hasMessageContaining("PRISM_WORKER_MAX_BATCH");
        assertThat(c.retryBackoff().delayMs(1)).isEqualTo(200);
        assertThat(c.retryBackoff().delayMs(30)).isEqualTo(10_000);
        assertThatThrownBy(() -> WorkerConfig.from(new Env(Map.of("PRISM_WORKER_RETRY_BACKOFF", "5s", "PRISM_WORKER_RETRY_BACKOFF_MAX", "1s"))))
                .hasMessageContaining("PRISM_WORKER_RETRY_BACKOFF").hasMessageContaining("back-off");
    }

    /** CPU-bound side work gets the cores inference leaves free, at a lower priority on cpu; tried: defaults, overrides, nonsense. */
    @Test
    void sideWorkIsSizedToTheFreeCoresAndRunsAtLowerPriorityOnCpu() {
        int cores = Runtime.getRuntime().availableProcessors();
        WorkerConfig cpu = WorkerConfig.from(new Env(Map.of()));
        assertThat(cpu.threads()).isEqualTo(Math.max(1, cores - 1));
        assertThat(cpu.encodeThreads()).isEqualTo(Math.max(1, cores - cpu.threads()));
        assertThat(cpu.prepareThreads()).isEqualTo(cpu.encodeThreads());
        assertThat(cpu.writeThreads()).isEqualTo(4);
        assertThat(cpu.sideNice()).isEqualTo(10);
        WorkerConfig gpu = WorkerConfig.from(new Env(Map.of("PRISM_WORKER_DEVICE", "gpu:0")));
        assertThat(gpu.encodeThreads()).isEqualTo(Math.max(1, cores - 1));
        assertThat(gpu.sideNice()).isZero();
        WorkerConfig set = WorkerConfig.from(new Env(Map.of("PRISM_WORKER_ENCODE_THREADS", "3", "PRISM_WORKER_PREPARE_THREADS", "5",
                "PRISM_WORKER_SIDE_NICE", "0")));
        assertThat(set.encodeThreads()).isEqualTo(3);
        assertThat(set.prepareThreads()).isEqualTo(5);
        assertThat(set.sideNice()).isZero();
        assertThatThrownBy(() -> WorkerConfig.from(new Env(Map.of("PRISM_WORKER_SIDE_NICE", "25")))).hasMessageContaining("PRISM_WORKER_SIDE_NICE");
        assertThatThrownBy(() -> WorkerConfig.from(new Env(Map.of("PRISM_WORKER_WRITE_THREADS", "0")))).hasMessageContaining("WRITE_THREADS");
    }

    @Test
    void backgroundPriorityRenicesOnlyTheCallingThread() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeTrue(java.nio.file.Files.exists(java.nio.file.Path.of("/proc/thread-self/stat")),
                "needs Linux /proc");
        int before = io.prism.worker.pipeline.BackgroundPriority.current();
        int[] seen = new int[2];
        Thread t = new Thread(() -> {
            io.prism.worker.pipeline.BackgroundPriority.apply(before + 7);
            seen[0] = io.prism.worker.pipeline.BackgroundPriority.current();
            io.prism.worker.pipeline.BackgroundPriority.apply(before + 9); // once per thread: the first value stays
            seen[1] = io.prism.worker.pipeline.BackgroundPriority.current();
        });
        t.start();
        t.join();
        assertThat(seen).containsExactly(Math.min(19, before + 7), Math.min(19, before + 7));
        assertThat(io.prism.worker.pipeline.BackgroundPriority.current()).isEqualTo(before);
    }

    static TaskRequest request(String task, Integer version) {
        BlobRef src = new BlobRef(URI.create("blob:sha256:" + "0".repeat(64)), "0".repeat(64), 1, null, null, null, null);
        FrameSubmitted f = FrameSubmitted.of(UUID.randomUUID(), "j", "s", "sh", "beauty", 1, 1, src, null, Map.of());
        return new TaskRequest(new FrameWork(null, "j", new byte[0], f, List.of(task)), task, version, System.nanoTime(), 1);
    }
}
