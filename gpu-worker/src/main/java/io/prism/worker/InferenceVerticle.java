package io.prism.worker;

import io.prism.vision.image.FloatImage;
import io.prism.worker.inference.LoadedModel;
import io.prism.worker.inference.TaskOutput;
import io.prism.worker.model.ModelManager;
import io.prism.worker.pipeline.BatchQueue;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.TaskRequest;
import io.vertx.core.AbstractVerticle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: run inference on this worker's device. One thread per device (PyTorch parallelises inside an operator;
 * two threads on one device would only fight over it), fed by the {@link BatchQueue}'s dynamic batches. Between two
 * batches it applies staged model swaps, so a batch is computed by exactly one model version, which every result
 * records. A failing batch is split and retried frame by frame with backoff; a frame that still fails is marked
 * failed ("inference-error") and the rest go on. A frame whose every task is done goes on to the
 * {@link ResultWriterVerticle}.
 */
public final class InferenceVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(InferenceVerticle.class);
    private final WorkerConfig cfg;
    private final BatchQueue queue;
    private final ModelManager models;
    private final WorkerMetrics metrics;
    private final ResultWriterVerticle writer;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "prism-infer-retry");
        t.setDaemon(true);
        return t;
    });
    private Thread thread;
    private volatile boolean running;
    private long batchSeq;

    public InferenceVerticle(WorkerConfig cfg, BatchQueue queue, ModelManager models, WorkerMetrics metrics,
                             ResultWriterVerticle writer) {
        this.cfg = cfg;
        this.queue = queue;
        this.models = models;
        this.metrics = metrics;
        this.writer = writer;
    }

    @Override
    public void start() {
        running = true;
        thread = new Thread(this::loop, "prism-infer-" + cfg.device());
        thread.start();
    }

    private void loop() {
        models.backend().prepareThread();
        while (running) {
            try {
                models.applyStaged();
                List<TaskRequest> batch = queue.next(100);
                if (!batch.isEmpty()) run(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException | Error e) {
                LOG.error("event=inference-loop-error reason=\"{}\"", e.toString(), e);
            }
        }
    }

    private void run(List<TaskRequest> batch) {
        TaskRequest first = batch.get(0);
        String task = first.task();
        LoadedModel model;
        try {
            model = models.model(task, first.requestedVersion());
        } catch (ModelManager.ModelUnavailableException e) {
            for (TaskRequest r : batch) fail(r, "model-unavailable", e.getMessage());
            return;
        }
        List<FloatImage> images = new ArrayList<>(batch.size());
        List<TaskRequest> encoded = new ArrayList<>(batch.size());
        for (TaskRequest r : batch) {
            FloatImage image = input(r, model);
            if (image != null) {
                images.add(image);
                encoded.add(r);
            }
        }
        if (encoded.isEmpty()) return;
        batch = encoded;
        first = batch.get(0);
        long start = System.nanoTime();
        long seq = ++batchSeq;
        for (TaskRequest r : batch) metrics.queued(task, start - r.work().consumedNanos());
        List<TaskOutput> outputs;
        try {
            outputs = model.predict(images, cfg.options(task));
        } catch (RuntimeException | OutOfMemoryError e) {
            if (batch.size() > 1) {
                LOG.warn("event=batch-failed task={} size={} reason=\"{}\" action=split", task, batch.size(), e.toString());
                for (TaskRequest r : batch) run(List.of(r));
            } else {
                retryOrFail(first, e);
            }
            return;
        }
        long nanos = System.nanoTime() - start;
        metrics.inferred(task, batch.size(), nanos);
        for (int i = 0; i < batch.size(); i++) {
            TaskRequest r = batch.get(i);
            FrameWork w = r.work();
            metrics.processed(task, model.version());
            boolean all = w.complete(new FrameWork.TaskResult(task, model.version(), outputs.get(i), seq, batch.size(),
                    (start - w.consumedNanos()) / 1e6, nanos / 1e6 / batch.size()));
            if (all) hand(w);
        }
    }

    /**
     * The frame in the encoding this model declares: made by the prepare stage, or — when the model serving the batch
     * was not known then (a swap, a reprocessing version loaded on demand) — here, once. Null when it cannot be encoded
     * (the request has failed).
     */
    private FloatImage input(TaskRequest r, LoadedModel model) {
        var input = r.work().input();
        if (input.has(model.inputEncoding())) return input.in(model.inputEncoding());
        long start = System.nanoTime();
        try {
            FloatImage image = input.in(model.inputEncoding());
            metrics.inputEncoded("infer", System.nanoTime() - start);
            return image;
        } catch (IllegalArgumentException e) {
            fail(r, "unusable-pixels", e.getMessage());
            return null;
        }
    }

    private void retryOrFail(TaskRequest r, Throwable e) {
        if (r.attempt() < cfg.maxAttempts()) {
            long delay = cfg.retryBackoff().delayMs(r.attempt());
            LOG.warn("event=inference-retry frame={} task={} attempt={} retryInMs={} reason=\"{}\"",
                    r.work().frame().frameId(), r.task(), r.attempt(), delay, e.toString());
            retries.schedule(() -> queue.put(r.retry()), delay, TimeUnit.MILLISECONDS);
        } else {
            fail(r, "inference-error", e.toString());
        }
    }

    private void fail(TaskRequest r, String reason, String detail) {
        if (r.work().fail(r.task(), reason, detail, r.attempt())) hand(r.work());
    }

    private void hand(FrameWork w) {
        w.releaseImage();
        writer.write(w);
    }

    @Override
    public void stop() throws Exception {
        running = false;
        retries.shutdownNow();
        if (thread != null) {
            thread.interrupt();
            thread.join(30_000);
        }
    }
}
