package io.prism.launcher.demo;

import io.prism.engine.AlbedoEncoding;
import io.prism.engine.eval.Metrics;
import io.prism.launcher.PrismRuntime;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.Task;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import io.prism.simulator.EmitRate;
import io.prism.simulator.FarmSimulator;
import io.prism.simulator.FrameRange;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.SimulationSpec;
import io.prism.simulator.Style;
import io.prism.simulator.scene.Scene;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import java.io.IOException;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The whole loop in one JVM: embedded Kafka and PostgreSQL, the four services, and the synthetic farm writing into
 * the watched folder.
 * <ol>
 * <li>shot sh010, style studio, beauty only: production frames, processed by the shipped models (v1);</li>
 * <li>shot sh020, a new style, with albedo/mask AOVs: frames and ground-truth pairs; the trainer's policy starts a
 *     fine-tune once enough pairs arrived, the gate compares candidate and active on the holdout, and a better
 *     candidate is promoted (v2) — the worker hot-swaps it;</li>
 * <li>shot sh030, the new style, beauty only: frames after the promotion, processed by v2.</li>
 * </ol>
 * Then it prints a summary (frames, per-version albedo quality on the new style against the renderer's ground truth,
 * latency percentiles) and the contact-sheet URL.
 */
public final class Demo implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
    public static final String SHOW = "demo";

    private final Path dir;
    private final DemoPlan plan;
    private final PrintStream out;
    private final Path modelsDir;
    private EmbeddedInfrastructure infra;
    private PrismRuntime runtime;
    private int resultsPort;
    private final Map<String, FloatImage> truthAlbedo = new HashMap<>();

    public Demo(Path dir, DemoPlan plan, Path modelsDir, PrintStream out) {
        this.dir = dir.toAbsolutePath();
        this.plan = plan;
        this.modelsDir = modelsDir.toAbsolutePath();
        this.out = out;
    }

    /** The outcome of one loop. */
    public record Report(long submitted, long processed, long failed, Map<Integer, Quality> albedoOnNewStyle,
                         int activeAlbedoVersion, Map<String, Double> gateMetrics, double p50Ms, double p90Ms,
                         double p99Ms, String contactSheet, Duration wall) {
        /** True when a fine-tuned albedo model was promoted and beats v1 on the new style's production frames. */
        public boolean newVersionWins() {
            Quality v1 = albedoOnNewStyle.get(1);
            Quality best = albedoOnNewStyle.get(activeAlbedoVersion);
            return activeAlbedoVersion >= 2 && v1 != null && best != null && best.psnr() > v1.psnr();
        }
    }

    public record Quality(int frames, double psnr) {}

    public Report run() throws Exception {
        long t0 = System.nanoTime();
        if (!Files.isDirectory(modelsDir.resolve("albedo-v1")) || !Files.isDirectory(modelsDir.resolve("mask-v1"))) {
            throw new IllegalStateException("no shipped models in " + modelsDir + " (expected albedo-v1 and mask-v1); run from the repository root or pass --models");
        }
        Path farm = dir.resolve("farm");
        Files.createDirectories(farm);
        out.println("prism demo: starting embedded Kafka and PostgreSQL in " + dir);
        infra = new EmbeddedInfrastructure(dir.resolve("infra")).start();
        resultsPort = port(8082);
        Map<String, String> env = new HashMap<>(System.getenv());
        env.putAll(Map.ofEntries(
                Map.entry("PRISM_DATA_DIR", dir.toString()),
                Map.entry("PRISM_BLOB_ROOT", dir.resolve("blobs").toString()),
                Map.entry("PRISM_MODELS_DIR", modelsDir.toString()),
                Map.entry("PRISM_RENDER_ROOTS", farm.toString()),
                Map.entry("PRISM_WATCH_STABLE_FOR", "300ms"),
                Map.entry("PRISM_WATCH_INTERVAL", "300ms"),
                Map.entry("PRISM_INGEST_PORT", Integer.toString(port(8081))),
                Map.entry("PRISM_RESULTS_PORT", Integer.toString(resultsPort)),
                Map.entry("PRISM_RESULTS_PUBLIC_READ", "true"),
                Map.entry("PRISM_TRAINER_PORT", Integer.toString(port(8083))),
                Map.entry("PRISM_WORKER_PORT", Integer.toString(port(8084))),
                Map.entry("PRISM_WORKER_TASKS", "albedo,mask"),
                Map.entry("PRISM_WORKER_ALBEDO_STEPS", "1"),
                Map.entry("PRISM_WORKER_MASK_STEPS", "1"),
                Map.entry("PRISM_TRAINER_TASKS", Task.ALBEDO),
                Map.entry("PRISM_TRAINER_ALBEDO_MIN_NEW_PAIRS", Integer.toString(Math.max(4, plan.pairFrames() * 3 / 4))),
                Map.entry("PRISM_TRAINER_POLICY_INTERVAL", "2s"),
                Map.entry("PRISM_TRAINER_MIN_HOLDOUT", "2"),
                Map.entry("PRISM_TRAINER_HOLDOUT_FRACTION", "0.2"),
                Map.entry("PRISM_TRAINER_STEPS", Integer.toString(plan.trainerSteps())),
                Map.entry("PRISM_TRAINER_CHECKPOINT_EVERY", Integer.toString(Math.max(25, plan.trainerSteps() / 4))),
                Map.entry("PRISM_TRAINER_GUARD_FRAMES", "4"),
                Map.entry("PRISM_TRAINER_GUARD_SIZE", Integer.toString(Math.min(plan.size(), 64))),
                Map.entry("PRISM_TRAINER_GUARD_SAMPLES", Integer.toString(plan.samples()))));
        PlatformConfig config = infra.applyTo(PlatformConfig.from(new Env(env)));
        runtime = PrismRuntime.start(config, List.of("ingest-service", "gpu-worker", "trainer-service", "results-api"));
        String sheet = "http://127.0.0.1:" + resultsPort + "/ui/";
        out.println("prism demo: services up; contact sheet at " + sheet);

        ModelRegistry registry = new ModelRegistry(runtime.context().database(), runtime.context().blobs());
        int v1 = registry.active(Task.ALBEDO).map(ModelVersion::version).orElse(1);

        // 1. Production frames of the studio look: beauty only.
        render("sh010", Style.STUDIO, 101, plan.productionFrames(), false);
        // 2. The new look arrives with ground truth.
        render("sh020", Style.parse(plan.newStyle()), 202, plan.pairFrames(), true);
        out.println("prism demo: waiting for the trainer to fine-tune and promote an albedo model on the new style ...");
        boolean promoted = waitFor(() -> registry.active(Task.ALBEDO).map(v -> v.version() > v1).orElse(false),
                plan.timeout().minus(Duration.ofNanos(System.nanoTime() - t0)));
        if (!promoted) {
            out.println("prism demo: no new albedo model was promoted in time (see training_runs for the gate's verdict)");
        } else {
            ModelVersion v = registry.active(Task.ALBEDO).orElseThrow();
            out.println("prism demo: albedo v" + v.version() + " promoted; rendering the rest of the new look");
            // Let the workers swap before the next frames arrive (they swap between batches in any case).
            Thread.sleep(2000);
        }
        // 3. More of the new look, made by whatever is active now.
        render("sh030", Style.parse(plan.newStyle()), 303, plan.afterFrames(), false);
        long total = plan.totalFrames();
        waitFor(() -> countDone() >= total, plan.timeout().minus(Duration.ofNanos(System.nanoTime() - t0)).plusMinutes(1));
        Report report = report(registry, sheet, Duration.ofNanos(System.nanoTime() - t0));
        print(report);
        return report;
    }

    /** Renders a shot into the watched folder at the plan's rate; with AOVs the frames also carry ground truth. */
    private void render(String shot, Style style, long seed, int frames, boolean withAovs) throws IOException, InterruptedException {
        out.printf("prism demo: farm renders %s/%s (%s, %d frames, %s)%n", SHOW, shot, style.id(), frames,
                withAovs ? "with albedo/mask AOVs" : "beauty only");
        SimulationSpec spec = new SimulationSpec(SHOW, shot, "beauty", style, seed, new FrameRange(1, frames),
                plan.size(), plan.size(), plan.samples(), EmitRate.framesPerSecond(plan.fps()),
                Math.max(1, Runtime.getRuntime().availableProcessors()), dir.resolve("farm"), Compression.ZIP);
        if (withAovs) {
            new FarmSimulator().run(spec, o -> { });
            return;
        }
        Scene scene = SceneGenerator.generate(style, seed);
        Renderer renderer = new Renderer();
        long period = (long) (1000 / plan.fps());
        for (int f = 1; f <= frames; f++) {
            long start = System.currentTimeMillis();
            RenderedFrame rf = renderer.render(scene, f, spec.width(), spec.height(), spec.samples(), spec.threads());
            truthAlbedo.put(shot + "/" + f, rf.albedo());
            ExrWriter.write(spec.exrPath(f), rf.beautyRgba(), ExrWriteOptions.defaults().compression(Compression.ZIP).pixelType(PixelType.HALF));
            long left = period - (System.currentTimeMillis() - start);
            if (left > 0) Thread.sleep(left);
        }
    }

    private long countDone() {
        return query("SELECT count(*) FROM frames WHERE status IN ('processed', 'failed')", rs -> rs.next() ? rs.getLong(1) : 0L);
    }

    private Report report(ModelRegistry registry, String sheet, Duration wall) throws IOException {
        long submitted = query("SELECT count(*) FROM frames", rs -> rs.next() ? rs.getLong(1) : 0L);
        long processed = query("SELECT count(*) FROM frames WHERE status = 'processed'", rs -> rs.next() ? rs.getLong(1) : 0L);
        long failed = query("SELECT count(*) FROM frames WHERE status = 'failed'", rs -> rs.next() ? rs.getLong(1) : 0L);
        // Albedo results of the new look against the renderer's ground truth, by the model version that made them.
        record Row(String shot, int frame, int version, String sha, long size) {}
        List<Row> rows = query("""
                SELECT f.shot, f.frame_number, r.model_version, r.result_sha256, r.result_size
                FROM results r JOIN frames f ON f.id = r.frame_id
                WHERE r.task = 'albedo' AND f.shot IN ('sh020', 'sh030') ORDER BY 1, 2""", rs -> {
            List<Row> l = new ArrayList<>();
            while (rs.next()) l.add(new Row(rs.getString(1), rs.getInt(2), rs.getInt(3), rs.getString(4).trim(), rs.getLong(5)));
            return l;
        });
        Map<Integer, double[]> acc = new TreeMap<>();
        BlobStore blobs = runtime.context().blobs();
        for (Row r : rows) {
            FloatImage truth = truth(r.shot(), r.frame());
            byte[] bytes = blobs.read(new BlobRef(BlobStore.uriOf(r.sha()), r.sha(), r.size(), "image/x-exr", null, null, null));
            FloatImage predicted = ExrReader.read(bytes, r.shot() + "." + r.frame() + ".albedo.exr", io.prism.vision.exr.ExrLimits.DEFAULT)
                    .parts().get(0).image().select(List.of("R", "G", "B"));
            double psnr = Metrics.psnr(predicted, AlbedoEncoding.toSrgb(truth));
            double[] a = acc.computeIfAbsent(r.version(), k -> new double[2]);
            a[0] += 1;
            a[1] += psnr;
        }
        Map<Integer, Quality> quality = new TreeMap<>();
        acc.forEach((v, a) -> quality.put(v, new Quality((int) a[0], a[1] / a[0])));
        List<Long> lat = query("SELECT latency_ms FROM results ORDER BY latency_ms", rs -> {
            List<Long> l = new ArrayList<>();
            while (rs.next()) l.add(rs.getLong(1));
            return l;
        });
        ModelVersion active = registry.active(Task.ALBEDO).orElseThrow();
        return new Report(submitted, processed, failed, quality, active.version(), active.metrics(),
                pct(lat, 0.5), pct(lat, 0.9), pct(lat, 0.99), sheet, wall);
    }

    private FloatImage truth(String shot, int frame) throws IOException {
        FloatImage t = truthAlbedo.get(shot + "/" + frame);
        if (t != null) return t;
        Path exr = dir.resolve("farm").resolve(SHOW).resolve(shot).resolve("beauty").resolve(String.format("%s.%04d.exr", shot, frame));
        FloatImage all = ExrReader.readImage(exr);
        return all.select(List.of("albedo.R", "albedo.G", "albedo.B")).rename(List.of("R", "G", "B"));
    }

    private void print(Report r) {
        out.println();
        out.println("=== prism demo summary ===");
        out.printf("frames: %d submitted, %d processed, %d failed (%.0f s)%n", r.submitted(), r.processed(), r.failed(), r.wall().toMillis() / 1000.0);
        out.printf("albedo on the new style '%s' (production frames vs the renderer's ground truth, sRGB PSNR):%n", plan.newStyle());
        r.albedoOnNewStyle().forEach((v, q) -> out.printf("  model v%d: %3d frames, PSNR %.2f dB%n", v, q.frames(), q.psnr()));
        Quality v1 = r.albedoOnNewStyle().get(1);
        Quality vn = r.albedoOnNewStyle().get(r.activeAlbedoVersion());
        if (v1 != null && vn != null && r.activeAlbedoVersion() > 1) {
            out.printf("  v%d vs v1: %+.2f dB%n", r.activeAlbedoVersion(), vn.psnr() - v1.psnr());
        }
        out.println("active albedo model: v" + r.activeAlbedoVersion() + " " + r.gateMetrics());
        out.printf("latency submit -> result durable: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms%n", r.p50Ms(), r.p90Ms(), r.p99Ms());
        out.println("contact sheet: " + r.contactSheet());
    }

    private static double pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) return Double.NaN;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * (sorted.size() - 1) + 0.5)));
    }

    private boolean waitFor(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        long lastPrint = 0;
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) return true;
            if (System.nanoTime() - lastPrint > 15_000_000_000L) {
                lastPrint = System.nanoTime();
                out.println("prism demo: " + progress());
            }
            Thread.sleep(500);
        }
        return done.getAsBoolean();
    }

    private String progress() {
        return query("""
                SELECT (SELECT count(*) FROM frames), (SELECT count(*) FROM frames WHERE status = 'processed'),
                       (SELECT count(*) FROM training_pairs),
                       (SELECT coalesce(max(status || ' ' || steps_done || '/' || steps_total), '-') FROM training_runs)""",
                rs -> rs.next() ? String.format("frames %d, processed %d, pairs %d, training run: %s",
                        rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getString(4)) : "");
    }

    interface RowMapper<T> {
        T map(ResultSet rs) throws SQLException;
    }

    private <T> T query(String sql, RowMapper<T> mapper) {
        DataSource ds = runtime.context().database().pooledDataSource();
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return mapper.map(rs);
        } catch (SQLException e) {
            throw new IllegalStateException("demo query failed: " + e.getMessage(), e);
        }
    }

    /** The preferred port when free, else any free one (a second demo on the same machine still starts). */
    private static int port(int preferred) {
        try (ServerSocket s = new ServerSocket(preferred)) {
            s.setReuseAddress(true);
            return preferred;
        } catch (IOException e) {
            return EmbeddedInfrastructure.freePort();
        }
    }

    public PrismRuntime runtime() {
        return runtime;
    }

    @Override
    public void close() {
        if (runtime != null) runtime.close();
        if (infra != null) infra.close();
    }
}
