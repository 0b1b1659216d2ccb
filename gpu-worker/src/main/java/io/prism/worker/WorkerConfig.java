package io.prism.worker;

import io.prism.platform.config.Env;
import io.prism.platform.contracts.Task;
import io.prism.platform.retry.Backoff;
import io.prism.platform.topics.Topics;
import io.prism.vision.exr.BeautyLayer;
import io.prism.worker.pipeline.WriteBack;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The gpu-worker's settings, from environment variables (defaults in brackets).
 *
 * <table>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>PRISM_WORKER_HOST</td><td>0.0.0.0</td><td>address the health/metrics port binds (127.0.0.1: this host only)</td></tr>
 * <tr><td>PRISM_WORKER_PORT</td><td>8084</td><td>HTTP port of /health/live, /health/ready, /metrics (0 = any free port)</td></tr>
 * <tr><td>PRISM_WORKER_TASKS</td><td>albedo,mask</td><td>tasks every frame gets unless a rule says otherwise</td></tr>
 * <tr><td>PRISM_WORKER_TASK_RULES</td><td>(none)</td><td>per show/layer overrides, see {@link TaskRules}</td></tr>
 * <tr><td>PRISM_WORKER_&lt;TASK&gt;_STEPS, _ENSEMBLE, _PROCESSING_RES, _TILE_SIZE, _TILE_OVERLAP, _SEED</td><td>model.json</td><td>per-task options, see {@link TaskOptions}</td></tr>
 * <tr><td>PRISM_MODELS_DIR</td><td>models</td><td>shipped default checkpoints ({@code <task>-v1}), registered as version 1 on first start</td></tr>
 * <tr><td>PRISM_WORKER_DEVICE</td><td>cpu</td><td>{@code cpu} or {@code gpu:N}; run one worker per GPU</td></tr>
 * <tr><td>PRISM_WORKER_DTYPE</td><td>fp32</td><td>{@code fp32} or {@code fp16} (GPU) weights and compute for imported diffusers models</td></tr>
 * <tr><td>PRISM_WORKER_THREADS</td><td>0</td><td>PyTorch intra-op threads; 0 = on {@code cpu} all cores but one (the other
 *     decodes, encodes and stores frames: PyTorch's threads slow down sharply when they have to share every core),
 *     on a GPU PyTorch's default</td></tr>
 * <tr><td>PRISM_WORKER_MAX_BATCH</td><td>8</td><td>dynamic batching: at most this many frames per forward pass</td></tr>
 * <tr><td>PRISM_WORKER_MAX_BATCH_DELAY</td><td>20ms</td><td>dynamic batching: wait at most this long to fill a batch</td></tr>
 * <tr><td>PRISM_WORKER_MAX_IN_FLIGHT</td><td>64</td><td>frames consumed but not yet durable; above it the consumer pauses</td></tr>
 * <tr><td>PRISM_WORKER_PREPARE_THREADS</td><td>0</td><td>threads that read and decode frames; 0 = the CPU budget below</td></tr>
 * <tr><td>PRISM_WORKER_ENCODE_THREADS</td><td>0</td><td>threads that encode result EXRs and PNG previews; 0 = the CPU budget: on
 *     {@code cpu} the cores PyTorch does not use (at least 1), on a GPU all cores but one. More CPU-bound threads than
 *     free cores would preempt the inference thread, the worker's bottleneck</td></tr>
 * <tr><td>PRISM_WORKER_SIDE_NICE</td><td>10 on cpu, else 0</td><td>Linux nice value of the decode, encode and store threads
 *     (0 = unchanged), so that they use the cores inference leaves free instead of preempting it; see
 *     {@link io.prism.worker.pipeline.BackgroundPriority}</td></tr>
 * <tr><td>PRISM_WORKER_WRITE_THREADS</td><td>4</td><td>threads that store encoded results (blob fsyncs, commits: mostly waiting)</td></tr>
 * <tr><td>PRISM_WORKER_MAX_ATTEMPTS</td><td>3</td><td>tries of a failing frame before it is dead-lettered (inference, unreadable blob)</td></tr>
 * <tr><td>PRISM_WORKER_RETRY_BACKOFF</td><td>200ms</td><td>first retry delay, doubled each time (platform's {@link Backoff})</td></tr>
 * <tr><td>PRISM_WORKER_RETRY_BACKOFF_MAX</td><td>10s</td><td>longest retry delay (database or broker outages retry forever)</td></tr>
 * <tr><td>PRISM_WORKER_MAX_PIXELS</td><td>67108864</td><td>larger frames are refused as poison ("too-large")</td></tr>
 * <tr><td>PRISM_WORKER_GROUP</td><td>prism-gpu-worker</td><td>Kafka consumer group of prism.frames.v1</td></tr>
 * <tr><td>PRISM_WORKER_INSTANCE</td><td>host-pid</td><td>this worker's name (client ids, logs)</td></tr>
 * <tr><td>PRISM_WORKER_SESSION_TIMEOUT</td><td>10s</td><td>Kafka session timeout: how soon a dead worker's partitions move</td></tr>
 * <tr><td>PRISM_WORKER_MODEL_CACHE</td><td>$PRISM_DATA_DIR/worker-models</td><td>where checkpoints are extracted</td></tr>
 * <tr><td>PRISM_BEAUTY_LAYER</td><td>(none)</td><td>the show-wide beauty layer, as ingest's (a frame's {@code beautyLayer}
 *     attribute wins); see {@link BeautyLayer}</td></tr>
 * <tr><td>PRISM_WORKER_WRITE_BACK</td><td>(off)</td><td>also write each result as an EXR on the farm's disk:
 *     {@code next-to-source} or a pattern such as {@code {show}/{shot}/{layer}_{task}.{frame:04d}.exr}; see
 *     {@link WriteBack}</td></tr>
 * <tr><td>PRISM_WORKER_WRITE_BACK_ROOT</td><td>(none)</td><td>the folder a write-back pattern is relative to</td></tr>
 * <tr><td>PRISM_WORKER_FRAMES_TOPIC, _DLQ_TOPIC, _MODELS_TOPIC</td><td>catalogue names</td><td>topic overrides (tests, blue/green)</td></tr>
 * </table>
 */
public record WorkerConfig(String host, int port, List<String> defaultTasks, TaskRules rules, Map<String, TaskOptions> taskOptions,
                           Path modelsDir, String device, int threads, int maxBatch, Duration maxBatchDelay,
                           int maxInFlight, int prepareThreads, int encodeThreads, int writeThreads, int sideNice, int maxAttempts, Backoff retryBackoff,
                           long maxPixels, String group, String instance,
                           Duration sessionTimeout, Path modelCache, String framesTopic, String dlqTopic,
                           String modelsTopic, String beautyLayer, String writeBack, Path writeBackRoot) {

    public WorkerConfig {
        if (maxBatch < 1) throw new IllegalArgumentException("PRISM_WORKER_MAX_BATCH must be >= 1");
        if (maxInFlight < maxBatch) throw new IllegalArgumentException("PRISM_WORKER_MAX_IN_FLIGHT must be >= PRISM_WORKER_MAX_BATCH");
        if (sideNice < 0 || sideNice > 19) throw new IllegalArgumentException("PRISM_WORKER_SIDE_NICE must be 0..19");
        if (prepareThreads < 1 || encodeThreads < 1 || writeThreads < 1) {
            throw new IllegalArgumentException("PRISM_WORKER_PREPARE_THREADS, _ENCODE_THREADS and _WRITE_THREADS must be >= 1 (0: default)");
        }
        if (maxAttempts < 1) throw new IllegalArgumentException("PRISM_WORKER_MAX_ATTEMPTS must be >= 1");
        WriteBack.check(writeBack, writeBackRoot);
        if (!device.equals("cpu") && !device.matches("(gpu|cuda)(:\\d+)?")) {
            throw new IllegalArgumentException("PRISM_WORKER_DEVICE must be cpu or gpu:N, got " + device);
        }
    }

    public static WorkerConfig from(Env env) {
        List<String> tasks = env.list("PRISM_WORKER_TASKS", List.of(Task.ALBEDO, Task.MASK));
        TaskRules rules = TaskRules.parse(tasks, env.str("PRISM_WORKER_TASK_RULES", null));
        Map<String, TaskOptions> options = new LinkedHashMap<>();
        for (String t : rules.allTasks()) options.put(t, TaskOptions.from(env, t));
        Path dataDir = env.path("PRISM_DATA_DIR", Path.of(".prism"));
        return new WorkerConfig(
                env.str("PRISM_WORKER_HOST", "0.0.0.0"),
                env.integer("PRISM_WORKER_PORT", 8084),
                tasks, rules, Map.copyOf(options),
                env.path("PRISM_MODELS_DIR", Path.of("models")),
                env.str("PRISM_WORKER_DEVICE", "cpu"),
                threads(env.integer("PRISM_WORKER_THREADS", 0), env.str("PRISM_WORKER_DEVICE", "cpu")),
                env.integer("PRISM_WORKER_MAX_BATCH", 8),
                env.duration("PRISM_WORKER_MAX_BATCH_DELAY", Duration.ofMillis(20)),
                env.integer("PRISM_WORKER_MAX_IN_FLIGHT", 64),
                cpuThreads(env.integer("PRISM_WORKER_PREPARE_THREADS", 0), env.str("PRISM_WORKER_DEVICE", "cpu"), env.integer("PRISM_WORKER_THREADS", 0)),
                cpuThreads(env.integer("PRISM_WORKER_ENCODE_THREADS", 0), env.str("PRISM_WORKER_DEVICE", "cpu"), env.integer("PRISM_WORKER_THREADS", 0)),
                env.integer("PRISM_WORKER_WRITE_THREADS", 4),
                env.integer("PRISM_WORKER_SIDE_NICE", "cpu".equals(env.str("PRISM_WORKER_DEVICE", "cpu")) ? 10 : 0),
                env.integer("PRISM_WORKER_MAX_ATTEMPTS", 3),
                backoff(env.duration("PRISM_WORKER_RETRY_BACKOFF", Duration.ofMillis(200)),
                        env.duration("PRISM_WORKER_RETRY_BACKOFF_MAX", Duration.ofSeconds(10))),
                env.longValue("PRISM_WORKER_MAX_PIXELS", 64L << 20),
                env.str("PRISM_WORKER_GROUP", "prism-gpu-worker"),
                env.str("PRISM_WORKER_INSTANCE", ManagementFactory.getRuntimeMXBean().getName().replace('@', '-')),
                env.duration("PRISM_WORKER_SESSION_TIMEOUT", Duration.ofSeconds(10)),
                env.path("PRISM_WORKER_MODEL_CACHE", dataDir.resolve("worker-models")),
                env.str("PRISM_WORKER_FRAMES_TOPIC", Topics.FRAMES.name()),
                env.str("PRISM_WORKER_DLQ_TOPIC", Topics.FRAMES_DLQ.name()),
                env.str("PRISM_WORKER_MODELS_TOPIC", Topics.MODELS.name()),
                blankAsNull(env.str(BeautyLayer.ENV, null)),
                blankAsNull(env.str("PRISM_WORKER_WRITE_BACK", null)),
                env.path("PRISM_WORKER_WRITE_BACK_ROOT", null));
    }

    private static String blankAsNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    private static Backoff backoff(Duration first, Duration max) {
        try {
            return new Backoff(first, max);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PRISM_WORKER_RETRY_BACKOFF / _MAX: " + e.getMessage(), e);
        }
    }

    static int threads(int configured, String device) {
        if (configured > 0 || !"cpu".equals(device)) return configured;
        return Math.max(1, Runtime.getRuntime().availableProcessors() - 1);
    }

    /** Threads for CPU-bound side work (decoding, encoding): configured, or the cores inference leaves free. */
    static int cpuThreads(int configured, String device, int torchThreads) {
        if (configured > 0) return configured;
        int cores = Runtime.getRuntime().availableProcessors();
        int inference = "cpu".equals(device) ? threads(torchThreads, device) : 1;
        return Math.max(1, cores - inference);
    }

    public TaskOptions options(String task) {
        return taskOptions.getOrDefault(task, TaskOptions.MODEL_DEFAULTS);
    }
}
