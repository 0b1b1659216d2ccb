package io.prism.worker.pipeline;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameProcessed;
import io.prism.platform.contracts.FrameStatus;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.Task;
import io.prism.platform.db.Database;
import io.prism.worker.db.FrameRepository;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.db.ResultEntity;
import io.prism.worker.db.ResultRepository;
import io.prism.platform.outbox.Outbox;
import io.prism.platform.topics.Topics;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import io.prism.vision.image.RasterOptions;
import io.prism.worker.WorkerConfig;
import io.prism.worker.WorkerMetrics;
import io.prism.worker.inference.TaskOutput;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a finished frame durable in two halves: {@link #encode} (CPU: result EXR, sRGB PNG preview, uncertainty
 * EXR) and {@link #store} (waiting: the bytes into the blob store — content-addressed, so rewriting is harmless —
 * then in one PostgreSQL transaction the result rows (idempotent on frame + task + model version), the frame's
 * status — never over {@code superseded}: a late result for an old version is kept, flagged in its statistics — and one
 * {@link FrameProcessed} per newly inserted row in the outbox). A redelivered frame therefore inserts nothing and
 * announces nothing twice. Storage and database outages
 * are retried with backoff until they pass.
 */
public final class ResultWriter {
    private static final Logger LOG = LoggerFactory.getLogger(ResultWriter.class);
    /** What the albedo EXR's values are: the model predicts sRGB-encoded albedo (Marigold-IID convention). */
    public static final String ALBEDO_COLOR_SPACE = "sRGB-encoded (IEC 61966-2-1 transfer), Rec.709 primaries, [0,1]";
    /** Statistic set to 1 on a result whose frame version was superseded before the result was written. */
    public static final String LATE_FOR_SUPERSEDED = "superseded";

    private final Database db;
    private final BlobStore blobs;
    private final WorkerConfig cfg;
    private final WorkerMetrics metrics;

    public ResultWriter(Database db, BlobStore blobs, WorkerConfig cfg, WorkerMetrics metrics) {
        this.db = db;
        this.blobs = blobs;
        this.cfg = cfg;
        this.metrics = metrics;
    }

    private record Stored(FrameWork.TaskResult r, BlobRef result, BlobRef preview, BlobRef uncertainty, Map<String, Double> stats) {}

    /** One task's result as the bytes that go into the blob store. */
    private record EncodedTask(FrameWork.TaskResult r, byte[] exr, byte[] png, byte[] uncertainty) {}

    /** A frame's results, encoded: what {@link #store} makes durable. */
    public static final class Encoded {
        private final List<EncodedTask> tasks;

        private Encoded(List<EncodedTask> tasks) {
            this.tasks = tasks;
        }
    }

    /**
     * The CPU-bound half of writing: result EXR, sRGB PNG preview and uncertainty EXR of every task of the frame.
     * Runs on the encode pool, which is sized to the cores inference leaves free.
     */
    public Encoded encode(FrameWork fw) {
        long t0 = System.nanoTime();
        List<EncodedTask> out = new ArrayList<>();
        for (FrameWork.TaskResult r : fw.results().values()) {
            TaskOutput o = r.output();
            out.add(new EncodedTask(r,
                    ExrWriter.encode(o.result(), exrOptions(r)),
                    ImageFiles.encode(o.preview() != null ? o.preview() : o.result(), ImageFormat.PNG, RasterOptions.DEFAULT),
                    o.uncertainty() == null ? null : ExrWriter.encode(o.uncertainty(), exrOptions(r).attribute("prismLayer", "uncertainty"))));
        }
        metrics.encoded(System.nanoTime() - t0);
        return new Encoded(out);
    }

    /** Encodes and stores in one go (callers without separate pools). */
    public int write(FrameWork fw, BooleanSupplier stopping) throws Retry.Abandoned, Retry.Permanent {
        return store(fw, encode(fw), stopping);
    }

    /**
     * The waiting half: blobs into the store (content-addressed, so rewriting is harmless), then one transaction for
     * rows, status and outbox; returns how many rows were new. Throws {@link Retry.Permanent} when the frame cannot be
     * recorded at all (its row does not exist).
     */
    public int store(FrameWork fw, Encoded encoded, BooleanSupplier stopping) throws Retry.Abandoned, Retry.Permanent {
        long t0 = System.nanoTime();
        FrameSubmitted f = fw.frame();
        List<Stored> stored = new ArrayList<>();
        for (EncodedTask e : encoded.tasks) {
            FrameWork.TaskResult r = e.r();
            TaskOutput o = r.output();
            BlobRef[] refs = Retry.forever("store results of " + f.frameId(), cfg, stopping, () -> new BlobRef[] {
                    img(blobs.put(e.exr(), "image/x-exr"), o.result()),
                    img(blobs.put(e.png(), "image/png"), o.preview() != null ? o.preview() : o.result()),
                    e.uncertainty() == null ? null : img(blobs.put(e.uncertainty(), "image/x-exr"), o.uncertainty())});
            Map<String, Double> stats = new LinkedHashMap<>(o.statistics());
            stats.put("batchSize", (double) r.batchSize());
            stats.put("batchSeq", (double) r.batchSeq());
            stats.put("queueMs", r.queueMs());
            stats.put("inferenceMs", r.inferenceMs());
            stored.add(new Stored(r, refs[0], refs[1], refs[2], stats));
        }
        int inserted = Retry.forever("record results of " + f.frameId(), cfg, stopping, () -> {
            try {
                return db.inTransaction(c -> record(f, stored));
            } catch (RuntimeException e) {
                if (isForeignKeyViolation(e)) {
                    throw new Retry.Permanent("unknown-frame", "frame " + f.frameId()
                            + " has no row in PostgreSQL (was it submitted through ingest?)", e);
                }
                throw e;
            }
        });
        metrics.written(System.nanoTime() - t0);
        return inserted;
    }

    private int record(FrameSubmitted f, List<Stored> stored) {
        ResultRepository results = db.repository(ResultRepository.class);
        Outbox outbox = new Outbox(db.repository(OutboxRepository.class));
        long latency = Math.max(0, Duration.between(f.time(), Instant.now()).toMillis());
        // Conditional in SQL: a version superseded by a re-render stays superseded. Its late result is kept, flagged.
        boolean current = db.repository(FrameRepository.class).updateStatus(f.frameId(), FrameStatus.PROCESSED.value(), null) == 1;
        if (!current) {
            LOG.info("event=late-result-kept frame={} job={} number={} version={} reason=superseded", f.frameId(), f.jobId(),
                    f.frameNumber(), f.frameVersion());
        }
        int inserted = 0;
        for (Stored s : stored) {
            String stats = json(current ? s.stats() : flaggedLate(s.stats()));
            int n = results.insertIfAbsent(new ResultEntity(UUID.randomUUID(), f.frameId(), s.r().task(), s.r().modelVersion(),
                    s.result().sha256(), s.result().size(), s.result().mediaType(), s.preview().sha256(), s.preview().size(),
                    s.uncertainty() == null ? null : s.uncertainty().sha256(), s.uncertainty() == null ? null : s.uncertainty().size(),
                    s.result().width(), s.result().height(), stats, latency, Instant.now()));
            if (n == 1) {
                inserted++;
                outbox.enqueue(Topics.RESULTS, FrameProcessed.of(f.frameId(), f.jobId(), s.r().task(), s.r().modelVersion(),
                        s.result(), s.preview(), s.uncertainty(), s.stats(), latency));
            }
        }
        return inserted;
    }

    /** The statistics of a result for a version that was superseded before it was written ({@code superseded = 1}). */
    private static Map<String, Double> flaggedLate(Map<String, Double> stats) {
        Map<String, Double> m = new LinkedHashMap<>(stats);
        m.put(LATE_FOR_SUPERSEDED, 1.0);
        return m;
    }

    private static ExrWriteOptions exrOptions(FrameWork.TaskResult r) {
        // one thread per frame: frames are encoded in parallel on the encode pool, sized to the free cores
        ExrWriteOptions o = ExrWriteOptions.defaults().threads(1)
                .attribute("prismTask", r.task())
                .attribute("prismModelVersion", r.modelVersion());
        return Task.ALBEDO.equals(r.task()) ? o.attribute("prismColorSpace", ALBEDO_COLOR_SPACE) : o;
    }

    private static BlobRef img(BlobRef ref, FloatImage image) {
        return ref.withImage(image.width(), image.height(), image.channelCount());
    }

    static boolean isForeignKeyViolation(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && "23503".equals(s.getSQLState())) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    private static String json(Map<String, Double> m) {
        try {
            return EventCodec.mapper().writeValueAsString(m);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
