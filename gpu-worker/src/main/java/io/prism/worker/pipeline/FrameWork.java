package io.prism.worker.pipeline;

import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.kafka.PollingConsumer;
import io.prism.vision.exr.ExrHeader;
import io.prism.worker.inference.TaskOutput;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;

/**
 * One consumed frame on its way through the worker's stages: its receipt (partition and offset; the stage that makes
 * the frame durable sends it back to the poll loop), what it asks for, its decoded input, and what each task produced. Tasks finish on the inference thread; the
 * last one hands the frame on.
 */
public final class FrameWork {
    /** One task's finished output and the exact model version that made it. */
    public record TaskResult(String task, int modelVersion, TaskOutput output, long batchSeq, int batchSize,
                             double queueMs, double inferenceMs) {}

    private final PollingConsumer.Receipt receipt;
    private final String key;
    private final byte[] message;
    private final FrameSubmitted frame;
    private final List<String> tasks;
    private final long consumedNanos;
    private volatile ModelInput input;
    private volatile ExrHeader sourceHeader;

    // guarded by this
    private final Map<String, TaskResult> results = new LinkedHashMap<>();
    private int failedTasks;
    private String failedTask;
    private String failedReason;
    private String failedDetail;
    private int attempts;

    public FrameWork(PollingConsumer.Receipt receipt, String key, byte[] message, FrameSubmitted frame, List<String> tasks) {
        this.receipt = receipt;
        this.key = key;
        this.message = message;
        this.frame = frame;
        this.tasks = List.copyOf(tasks);
        this.consumedNanos = System.nanoTime();
    }

    /** The receipt that the stage making this frame durable sends ({@link PollingConsumer.Receipt#durable()}). */
    public PollingConsumer.Receipt receipt() { return receipt; }
    public TopicPartition partition() { return receipt.partition(); }
    public long offset() { return receipt.offset(); }
    public String key() { return key; }
    /** The consumed message's bytes (for the dead-letter topic). */
    public byte[] message() { return message; }
    public FrameSubmitted frame() { return frame; }
    public List<String> tasks() { return tasks; }
    public long consumedNanos() { return consumedNanos; }
    /** The decoded frame, encoded per model on demand (null before decoding and after inference). */
    public ModelInput input() { return input; }
    /** The source's EXR header of its beauty part (windows, compression), null for other formats or before decoding. */
    public ExrHeader sourceHeader() { return sourceHeader; }

    /** The prepare stage's result: the decoded input and, for an EXR, its beauty part's header. */
    public void decoded(FrameDecoder.Decoded decoded) {
        this.input = decoded.input();
        this.sourceHeader = decoded.header();
    }

    /** Records a task's result; true when every task of the frame is done (successfully or not). */
    public synchronized boolean complete(TaskResult r) {
        results.put(r.task(), r);
        return done();
    }

    /** Records a task's permanent failure; true when every task of the frame is done. */
    public synchronized boolean fail(String task, String reason, String detail, int attempts) {
        if (failedReason == null) {
            failedTask = task;
            failedReason = reason;
            failedDetail = detail;
        }
        this.attempts = Math.max(this.attempts, attempts);
        results.remove(task);
        failedTasks++;
        return done();
    }

    private boolean done() {
        return results.size() + failedTasks >= tasks.size();
    }

    public synchronized Map<String, TaskResult> results() { return Map.copyOf(results); }
    public synchronized boolean failed() { return failedReason != null; }
    public synchronized String failedReason() { return failedReason; }
    public synchronized String failedDetail() { return failedDetail; }
    public synchronized String failedTask() { return failedTask; }
    public synchronized int attempts() { return attempts; }

    /** Frees the decoded pixels and their encodings once inference no longer needs them. */
    public void releaseImage() {
        input = null;
    }

    @Override
    public String toString() {
        return "frame " + frame.frameId() + " (" + receipt + ")";
    }
}
