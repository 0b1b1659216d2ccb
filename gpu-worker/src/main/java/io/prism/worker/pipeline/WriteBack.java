package io.prism.worker.pipeline;

import io.prism.engine.AlbedoEncoding;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.Task;
import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.ExrHeader;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ResultLayers;
import io.prism.vision.image.FloatImage;
import io.prism.worker.WorkerConfig;
import io.prism.worker.WorkerMetrics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Results back on the farm's disk ({@code PRISM_WORKER_WRITE_BACK}, optional): each frame's results are also written
 * as an OpenEXR file a compositor loads like any AOV, through vision's {@link ResultLayers} — channels named
 * {@code albedo.R/G/B}, {@code mask.A} (a one-channel result of another task keeps its channel: {@code depth.Z}),
 * the source's data and display windows and compression, written atomically. Albedo is written linear (the model
 * predicts it sRGB-encoded; decoded as {@code prism predict} does), the other layers as predicted.
 *
 * <p>Where: next to the source frame ({@code next-to-source}: {@code beauty.0001.exr} → {@code beauty_albedo.0001.exr})
 * or under {@code PRISM_WORKER_WRITE_BACK_ROOT} by a pattern naming {@link #FIELDS} in braces, e.g.
 * {@code {show}/{shot}/{layer}_{task}.{frame:04d}.exr}; the tasks of a frame whose pattern gives one path (no
 * {@code {task}}) share one file. The windows and compression are the original file's when its {@code sourcePath} is
 * readable here (the beauty part that {@link BeautyLayer} chooses), else those of the stored source blob. Frames whose
 * source is not an EXR are not written back (ingest takes only EXR).
 *
 * <p>It runs before the results' transaction, so a frame announced as processed has its files in place. I/O trouble
 * is retried with back-off until it passes (the frame is not durable meanwhile); a result that cannot be written at
 * all (a pattern field that would leave the root, no source path to write next to) is logged and counted as
 * {@code prism_worker_failures_total{reason="write-back-refused"}}, and the frame goes on.
 */
public final class WriteBack {
    private static final Logger LOG = LoggerFactory.getLogger(WriteBack.class);
    /** {@code PRISM_WORKER_WRITE_BACK} value for "next to the source frame". */
    public static final String NEXT_TO_SOURCE = "next-to-source";
    /** The fields a pattern may name: frame = frame number, version = frame version, model = model version. */
    public static final List<String> FIELDS = List.of("show", "shot", "layer", "task", "frame", "job", "version", "model");

    private final String pattern;
    private final Path root;
    private final WorkerConfig cfg;
    private final WorkerMetrics metrics;

    private WriteBack(String pattern, Path root, WorkerConfig cfg, WorkerMetrics metrics) {
        this.pattern = pattern;
        this.root = root;
        this.cfg = cfg;
        this.metrics = metrics;
    }

    /** The configured write-back, or null when {@code PRISM_WORKER_WRITE_BACK} is not set. */
    public static WriteBack from(WorkerConfig cfg, WorkerMetrics metrics) {
        if (cfg.writeBack() == null) return null;
        return new WriteBack(NEXT_TO_SOURCE.equals(cfg.writeBack()) ? null : cfg.writeBack(), cfg.writeBackRoot(), cfg, metrics);
    }

    /**
     * Checks a {@code PRISM_WORKER_WRITE_BACK} setting at start-up: {@code next-to-source}, or a pattern of known
     * fields with a root. Throws IllegalArgumentException naming the variables.
     */
    public static void check(String setting, Path root) {
        if (setting == null || NEXT_TO_SOURCE.equals(setting)) return;
        if (root == null) {
            throw new IllegalArgumentException("PRISM_WORKER_WRITE_BACK is a pattern (" + setting
                    + "): PRISM_WORKER_WRITE_BACK_ROOT must name the folder it is relative to");
        }
        Map<String, String> sample = new LinkedHashMap<>();
        for (String field : FIELDS) sample.put(field, "1");
        try {
            ResultLayers.target(root, setting, sample, Path.of("source.exr"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("PRISM_WORKER_WRITE_BACK: " + e.getMessage() + " (fields: "
                    + String.join(", ", FIELDS) + ")", e);
        }
    }

    /** Writes a finished frame's results back (blocking: encode pool). */
    public void write(FrameWork w, BooleanSupplier stopping) throws Retry.Abandoned {
        FrameSubmitted f = w.frame();
        ExrHeader header = sourceHeader(w);
        if (header == null) {
            LOG.debug("event=write-back-skipped frame={} reason=\"source is not an EXR\"", f.frameId());
            return;
        }
        Map<Path, List<FloatImage>> files = new LinkedHashMap<>();
        try {
            for (FrameWork.TaskResult r : w.results().values()) {
                if (pattern == null && f.sourcePath() == null) throw new IllegalArgumentException("the frame has no source path to write next to");
                Path target = ResultLayers.target(root, pattern, fields(f, r), f.sourcePath() == null ? null : Path.of(f.sourcePath()));
                files.computeIfAbsent(target, k -> new ArrayList<>()).add(aov(r));
            }
        } catch (IllegalArgumentException e) {
            refused(w, e.getMessage());
            return;
        }
        for (Map.Entry<Path, List<FloatImage>> file : files.entrySet()) {
            FloatImage layers = join(file.getValue());
            try {
                Retry.forever("write back " + file.getKey(), cfg, stopping, () -> {
                    try {
                        ResultLayers.write(file.getKey(), layers, header);
                    } catch (RuntimeException e) { // not I/O: trying again cannot help
                        throw new Retry.Permanent("write-back-refused", file.getKey() + ": " + e.getMessage(), e);
                    }
                    return null;
                });
                LOG.debug("event=written-back frame={} file={}", f.frameId(), file.getKey());
            } catch (Retry.Permanent e) {
                refused(w, e.getMessage());
            }
        }
    }

    private void refused(FrameWork w, String why) {
        metrics.failure("write-back-refused");
        LOG.warn("event=write-back-refused frame={} reason=\"{}\"", w.frame().frameId(), why);
    }

    /**
     * The original file's beauty header when its path is readable here and its data window has the result's size,
     * else the stored source's.
     */
    private ExrHeader sourceHeader(FrameWork w) {
        ExrHeader stored = w.sourceHeader();
        String path = w.frame().sourcePath();
        if (stored == null || path == null || !Files.isRegularFile(Path.of(path))) return stored;
        try {
            List<ExrHeader> headers = ExrReader.readHeaders(Path.of(path));
            BeautyLayer.Layer layer = FrameDecoder.selectBeauty(headers, FrameDecoder.requestedBeauty(w.frame(), cfg.beautyLayer()), path);
            ExrHeader original = headers.get(layer.part());
            boolean sameSize = original.dataWindow().widthLong() == stored.dataWindow().widthLong()
                    && original.dataWindow().heightLong() == stored.dataWindow().heightLong();
            return sameSize ? original : stored;
        } catch (Exception e) { // unreadable now: the stored copy's header still serves
            LOG.debug("event=write-back-source-unreadable path={} reason=\"{}\"", path, e.toString());
            return stored;
        }
    }

    private static Map<String, String> fields(FrameSubmitted f, FrameWork.TaskResult r) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("show", f.show());
        m.put("shot", f.shot());
        m.put("layer", f.layer());
        m.put("task", r.task());
        m.put("frame", Integer.toString(f.frameNumber()));
        m.put("job", f.jobId());
        m.put("version", Integer.toString(f.frameVersion()));
        m.put("model", Integer.toString(r.modelVersion()));
        return m;
    }

    /** A result as AOV channels: albedo back to linear, then named after its task. */
    static FloatImage aov(FrameWork.TaskResult r) {
        FloatImage result = r.output().result();
        FloatImage img = Task.ALBEDO.equals(r.task()) ? AlbedoEncoding.toLinear(result) : result;
        if (img.channelCount() == 1 && !Task.MASK.equals(r.task())) {
            return img.rename(List.of(r.task() + "." + img.channels().get(0)));
        }
        return ResultLayers.asAov(img, r.task());
    }

    private static FloatImage join(List<FloatImage> images) {
        if (images.size() == 1) return images.get(0);
        List<String> names = new ArrayList<>();
        List<float[]> planes = new ArrayList<>();
        for (FloatImage i : images) {
            names.addAll(i.channels());
            for (float[] p : i.planes()) planes.add(p);
        }
        FloatImage first = images.get(0);
        return new FloatImage(first.width(), first.height(), names, planes.toArray(float[][]::new));
    }
}
