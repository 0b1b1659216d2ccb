package io.prism.worker;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * The worker's metrics, named after Triton's: queue time (consumed → inference starts), inference time per batch,
 * batch size, frames processed (rate() of it is frames/s), failures by reason, the active model version per task.
 */
public final class WorkerMetrics {
    private final MeterRegistry registry;
    private final Map<String, Timer> queueTime = new ConcurrentHashMap<>();
    private final Map<String, Timer> inferenceTime = new ConcurrentHashMap<>();
    private final Map<String, DistributionSummary> batchSize = new ConcurrentHashMap<>();
    private final Map<String, Counter> processed = new ConcurrentHashMap<>();
    private final Map<String, Counter> failures = new ConcurrentHashMap<>();
    private final Map<String, Timer> inputEncodeTime = new ConcurrentHashMap<>();
    private final Map<String, Counter> modelLoads = new ConcurrentHashMap<>();
    private final Map<String, AtomicInteger> activeVersion = new ConcurrentHashMap<>();
    private final Timer writeTime;
    private final Timer encodeTime;
    private final Counter framesDone;

    /** @param queued task requests waiting for inference (the batch queue's size) */
    public WorkerMetrics(MeterRegistry registry, Supplier<Number> queued) {
        this.registry = registry;
        this.writeTime = Timer.builder("prism_worker_write_seconds").description("store encoded results + commit rows, per frame").register(registry);
        this.encodeTime = Timer.builder("prism_worker_encode_seconds").description("encode result EXRs + PNG previews, per frame").register(registry);
        this.framesDone = Counter.builder("prism_worker_frames_total").description("frames made durable (all tasks)").register(registry);
        Gauge.builder("prism_worker_queued_requests", () -> queued.get()).description("task requests waiting for inference").register(registry);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** Exports the frames consumed and not yet durable, as the consume stage counts them. */
    public void inFlight(Supplier<Number> frames) {
        Gauge.builder("prism_worker_in_flight_frames", frames).description("consumed, not yet durable").register(registry);
    }

    public void queued(String task, long nanos) {
        queueTime.computeIfAbsent(task, t -> Timer.builder("prism_worker_queue_seconds").tag("task", t)
                .description("time from consumption to the start of inference").register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    public void inferred(String task, int size, long nanos) {
        inferenceTime.computeIfAbsent(task, t -> Timer.builder("prism_worker_inference_seconds").tag("task", t)
                .description("compute time of one batch").register(registry)).record(nanos, TimeUnit.NANOSECONDS);
        batchSize.computeIfAbsent(task, t -> DistributionSummary.builder("prism_worker_batch_size").tag("task", t)
                .register(registry)).record(size);
    }

    public void encoded(long nanos) {
        encodeTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    /**
     * One frame encoded for a model ({@code stage}: "prepare", ahead of inference, or "infer", on the inference thread
     * when the model's encoding was not made ahead).
     */
    public void inputEncoded(String stage, long nanos) {
        inputEncodeTime.computeIfAbsent(stage, s -> Timer.builder("prism_worker_input_encode_seconds").tag("stage", s)
                .description("one frame encoded in a model's input encoding").register(registry)).record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Frames encoded for a model so far in {@code stage}. */
    public long inputEncodings(String stage) {
        Timer t = inputEncodeTime.get(stage);
        return t == null ? 0 : t.count();
    }

    public void written(long nanos) {
        writeTime.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void processed(String task, int version) {
        processed.computeIfAbsent(task + "/" + version, k -> Counter.builder("prism_worker_results_total").tag("task", task)
                .tag("model_version", Integer.toString(version)).register(registry)).increment();
    }

    public void frameDone() {
        framesDone.increment();
    }

    public double framesDone() {
        return framesDone.count();
    }

    public void failure(String reason) {
        failures.computeIfAbsent(reason, r -> Counter.builder("prism_worker_failures_total").tag("reason", r)
                .register(registry)).increment();
    }

    public double failures(String reason) {
        Counter c = failures.get(reason);
        return c == null ? 0 : c.count();
    }

    public void modelLoad(String task, String outcome) {
        modelLoads.computeIfAbsent(task + "/" + outcome, k -> Counter.builder("prism_worker_model_loads_total").tag("task", task)
                .tag("outcome", outcome).register(registry)).increment();
    }

    public double modelLoads(String task, String outcome) {
        Counter c = modelLoads.get(task + "/" + outcome);
        return c == null ? 0 : c.count();
    }

    public void activeVersion(String task, int version) {
        activeVersion.computeIfAbsent(task, t -> {
            AtomicInteger v = new AtomicInteger();
            Gauge.builder("prism_worker_model_active_version", v, AtomicInteger::get).tag("task", t).register(registry);
            return v;
        }).set(version);
    }
}
