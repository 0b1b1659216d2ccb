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
import io.prism.trainer.cli.ModelsCommand;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import picocli.CommandLine;
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
 * which version served each shot, the gate's verdict, latency percentiles) and the contact-sheet URL.
 *
 * <p>With a diffusers Marigold folder ({@code prism demo --marigold DIR}) the same loop runs on the real architecture:
 * the folder is imported and promoted exactly as {@code prism models import DIR --task albedo} and {@code prism models
 * promote} do, before the services start, so it is albedo v1 and the worker serves it; the trainer fine-tunes it with the
 * engine's {@code MarigoldTrainer} and the same gate decides. Service logs go to {@code demo.log} in the demo's folder;
 * the console shows the stages, a progress bar (or a line every 15 s where the console is not a terminal) and the summary.
 */
public final class Demo implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);
    public static final String SHOW = "demo";

    private final Path dir;
    private final DemoPlan plan;
    private final DemoConsole console;
    private final Path modelsDir;
    private final Path marigold;
    private String albedoV1 = "the shipped compact model";
    private ServiceLog serviceLog;
    private EmbeddedInfrastructure infra;
    private PrismRuntime runtime;
    private int resultsPort;
    private final Map<String, FloatImage> truthAlbedo = new HashMap<>();

    /** The loop on the shipped compact models, progress as plain lines. */
    public Demo(Path dir, DemoPlan plan, Path modelsDir, PrintStream out) {
        this(dir, plan, modelsDir, null, out, false);
    }

    /**
     * @param marigold  a diffusers Marigold folder imported as albedo v1, or null for the shipped compact albedo model
     * @param bar       redraw a progress bar in place (an interactive terminal) instead of printing progress lines
     */
    public Demo(Path dir, DemoPlan plan, Path modelsDir, Path marigold, PrintStream out, boolean bar) {
        this.dir = dir.toAbsolutePath();
        this.plan = plan;
        this.modelsDir = modelsDir.toAbsolutePath();
        this.marigold = marigold == null ? null : marigold.toAbsolutePath().normalize();
        this.console = new DemoConsole(out, bar);
    }

    /**
     * The outcome of one loop.
     *
     * @param albedoByShot which albedo model version made each shot's results: shot → version → frames
     * @param training     the first fine-tune's outcome: its status and the gate's checks (or why it did not finish)
     * @param albedoV1     what albedo v1 was (the shipped compact model, or the imported folder)
     */
    public record Report(long submitted, long processed, long failed, Map<Integer, Quality> albedoOnNewStyle,
                         int activeAlbedoVersion, Map<String, Double> gateMetrics, double p50Ms, double p90Ms,
                         double p99Ms, String contactSheet, Duration wall, Map<String, Map<Integer, Integer>> albedoByShot,
                         String training, String albedoV1, Path serviceLog) {
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
        if (marigold != null && !Files.isRegularFile(marigold.resolve("model_index.json"))) {
            throw new IllegalArgumentException("--marigold " + marigold + ": not a diffusers folder (no model_index.json)");
        }
        Path farm = dir.resolve("farm");
        Files.createDirectories(farm);
        Path logFile = dir.resolve("demo.log");
        serviceLog = ServiceLog.redirectTo(logFile);
        console.say("service logs go to " + logFile);
        console.say("starting embedded Kafka and PostgreSQL in " + dir);
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
        if (plan.trainerLearningRate() > 0) env.put("PRISM_TRAINER_LEARNING_RATE", Double.toString(plan.trainerLearningRate()));
        PlatformConfig config = infra.applyTo(PlatformConfig.from(new Env(env)));
        if (marigold != null) importAndPromote(config);
        console.say("starting the four services (ingest, gpu-worker, trainer, results-api)");
        runtime = PrismRuntime.start(config, List.of("ingest-service", "gpu-worker", "trainer-service", "results-api"));
        String sheet = "http://127.0.0.1:" + resultsPort + "/ui/";
        console.say("services up; contact sheet at " + sheet);

        ModelRegistry registry = new ModelRegistry(runtime.context().database(), runtime.context().blobs());
        int v1 = registry.active(Task.ALBEDO).map(ModelVersion::version).orElse(1);

        // 1. Production frames of the studio look: beauty only.
        render("sh010", Style.STUDIO, 101, plan.productionFrames(), false);
        // 2. The new look arrives with ground truth.
        render("sh020", Style.parse(plan.newStyle()), 202, plan.pairFrames(), true);
        console.say("waiting for the trainer to fine-tune albedo v" + v1 + " on the new style and for the gate's verdict ...");
        waitFor(() -> trainingOutcome() != null, plan.timeout().minus(Duration.ofNanos(System.nanoTime() - t0)));
        String training = trainingOutcome();
        int active = registry.active(Task.ALBEDO).map(ModelVersion::version).orElse(v1);
        if (training == null) {
            training = "no fine-tune finished within " + plan.timeout().toMinutes() + " minutes (" + progress() + ")";
            console.say(training);
        } else if (active > v1) {
            console.say("albedo v" + active + " promoted: " + training);
            // the next frames must meet the new version: wait until the worker swapped it in
            boolean swapped = waitFor(() -> workerAlbedoVersion() == active, Duration.ofMinutes(2));
            console.say(swapped ? "the worker serves albedo v" + active + "; rendering the rest of the new look"
                    : "the worker has not swapped in albedo v" + active + " yet (see " + dir.resolve("demo.log") + ")");
        } else {
            console.say("no new albedo model was promoted: " + training);
        }
        // 3. More of the new look, made by whatever is active now.
        render("sh030", Style.parse(plan.newStyle()), 303, plan.afterFrames(), false);
        long total = plan.totalFrames();
        waitFor(() -> countDone() >= total, plan.timeout().minus(Duration.ofNanos(System.nanoTime() - t0)).plusMinutes(1));
        Report report = report(registry, sheet, Duration.ofNanos(System.nanoTime() - t0), training);
        print(report);
        return report;
    }

    /**
     * {@code prism models import <folder> --task albedo}, then the {@code prism models promote} the import prints — the
     * same commands a studio runs — against the demo's registry, before any service starts (so it is albedo v1).
     */
    private void importAndPromote(PlatformConfig config) {
        console.say("importing " + marigold + " as the albedo model (prism models import --task albedo) ...");
        StringWriter text = new StringWriter();
        PrintWriter pw = new PrintWriter(text, true);
        CommandLine models = new CommandLine(new ModelsCommand(config)).setOut(pw).setErr(pw);
        int rc = models.execute("import", marigold.toString(), "--task", Task.ALBEDO, "--name", marigold.getFileName().toString());
        LOG.info("event=demo-import folder={} rc={} output=\"{}\"", marigold, rc, text.toString().strip());
        Matcher promote = Pattern.compile("prism models promote (\\S+) (v\\d+)").matcher(text.toString());
        if (rc != 0 || !promote.find()) {
            throw new IllegalStateException(text.toString().strip().lines().findFirst().orElse("prism models import failed (exit " + rc + ")"));
        }
        String imported = text.toString().strip().lines().findFirst().orElseThrow();
        text.getBuffer().setLength(0);
        rc = models.execute("promote", promote.group(1), promote.group(2), "--reason", "prism demo --marigold: the imported model serves albedo");
        if (rc != 0) throw new IllegalStateException("prism models promote " + promote.group(2) + " failed: " + text.toString().strip());
        albedoV1 = imported;
        console.say(imported + "; promoted as albedo " + promote.group(2));
    }

    /** The first finished albedo fine-tune: "promoted | rejected | failed: gate checks (or error)", or null while none is. */
    private String trainingOutcome() {
        return query("""
                SELECT status, candidate_version,
                       (SELECT string_agg(c, '; ') FROM jsonb_array_elements_text(metrics->'gate'->'checks') c),
                       metrics->>'error'
                FROM training_runs WHERE task = 'albedo' AND status IN ('promoted', 'rejected', 'failed')
                ORDER BY finished_at LIMIT 1""", rs -> {
            if (!rs.next()) return null;
            String candidate = rs.getObject(2) == null ? "" : " candidate v" + rs.getInt(2);
            String detail = rs.getString(3) != null ? "gate " + rs.getString(3) : rs.getString(4) != null ? rs.getString(4) : "";
            return rs.getString(1) + candidate + (detail.isEmpty() ? "" : " (" + detail + ")");
        });
    }

    /** The albedo version the worker's inference thread serves now (its {@code prism_worker_model_active_version}). */
    private int workerAlbedoVersion() {
        var gauge = runtime.context().meters().find("prism_worker_model_active_version").tag("task", Task.ALBEDO).gauge();
        return gauge == null ? 0 : (int) gauge.value();
    }

    /** Renders a shot into the watched folder at the plan's rate; with AOVs the frames also carry ground truth. */
    private void render(String shot, Style style, long seed, int frames, boolean withAovs) throws IOException, InterruptedException {
        console.say(String.format("farm renders %s/%s (%s, %d frames, %s)", SHOW, shot, style.id(), frames,
                withAovs ? "with albedo/mask AOVs" : "beauty only"));
        SimulationSpec spec = new SimulationSpec(SHOW, shot, "beauty", style, seed, new FrameRange(1, frames),
                plan.size(), plan.size(), plan.samples(), EmitRate.framesPerSecond(plan.fps()),
                Math.max(1, Runtime.getRuntime().availableProcessors()), dir.resolve("farm"), Compression.ZIP);
        if (withAovs) {
            new FarmSimulator().run(spec, o -> showProgress());
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
            showProgress();
            long left = period - (System.currentTimeMillis() - start);
            if (left > 0) Thread.sleep(left);
        }
    }

    private long countDone() {
        return query("SELECT count(*) FROM frames WHERE status IN ('processed', 'failed')", rs -> rs.next() ? rs.getLong(1) : 0L);
    }

    private Report report(ModelRegistry registry, String sheet, Duration wall, String training) throws IOException {
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
        Map<String, Map<Integer, Integer>> byShot = query("""
                SELECT f.shot, r.model_version, count(*) FROM results r JOIN frames f ON f.id = r.frame_id
                WHERE r.task = 'albedo' GROUP BY 1, 2 ORDER BY 1, 2""", rs -> {
            Map<String, Map<Integer, Integer>> m = new TreeMap<>();
            while (rs.next()) m.computeIfAbsent(rs.getString(1), k -> new TreeMap<>()).put(rs.getInt(2), rs.getInt(3));
            return m;
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
                pct(lat, 0.5), pct(lat, 0.9), pct(lat, 0.99), sheet, wall, byShot, training, albedoV1, dir.resolve("demo.log"));
    }

    private FloatImage truth(String shot, int frame) throws IOException {
        FloatImage t = truthAlbedo.get(shot + "/" + frame);
        if (t != null) return t;
        Path exr = dir.resolve("farm").resolve(SHOW).resolve(shot).resolve("beauty").resolve(String.format("%s.%04d.exr", shot, frame));
        FloatImage all = ExrReader.readImage(exr);
        return all.select(List.of("albedo.R", "albedo.G", "albedo.B")).rename(List.of("R", "G", "B"));
    }

    private void print(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("%n=== prism demo summary ===%n"));
        s.append(String.format("frames: %d submitted, %d processed, %d failed (%.0f s)%n", r.submitted(), r.processed(), r.failed(), r.wall().toMillis() / 1000.0));
        s.append(String.format("albedo v1: %s%n", r.albedoV1()));
        s.append(String.format("fine-tune: %s%n", r.training()));
        s.append("albedo results by model version:");
        r.albedoByShot().forEach((shot, versions) -> versions.forEach((v, n) -> s.append(String.format(" %s v%d x%d,", shot, v, n))));
        s.setLength(s.length() - (s.charAt(s.length() - 1) == ',' ? 1 : 0));
        s.append(String.format("%nalbedo on the new style '%s' (production frames vs the renderer's ground truth, sRGB PSNR):%n", plan.newStyle()));
        r.albedoOnNewStyle().forEach((v, q) -> s.append(String.format("  model v%d: %3d frames, PSNR %.2f dB%n", v, q.frames(), q.psnr())));
        Quality v1 = r.albedoOnNewStyle().get(1);
        Quality vn = r.albedoOnNewStyle().get(r.activeAlbedoVersion());
        if (v1 != null && vn != null && r.activeAlbedoVersion() > 1) {
            s.append(String.format("  v%d vs v1: %+.2f dB%n", r.activeAlbedoVersion(), vn.psnr() - v1.psnr()));
        }
        s.append("active albedo model: v").append(r.activeAlbedoVersion()).append(' ').append(r.gateMetrics()).append(System.lineSeparator());
        s.append(String.format("latency submit -> result durable: p50 %.0f ms, p90 %.0f ms, p99 %.0f ms%n", r.p50Ms(), r.p90Ms(), r.p99Ms()));
        s.append("contact sheet: ").append(r.contactSheet()).append(System.lineSeparator());
        s.append("service logs: ").append(r.serviceLog()).append(System.lineSeparator());
        console.print(s.toString());
    }

    private static double pct(List<Long> sorted, double q) {
        if (sorted.isEmpty()) return Double.NaN;
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.floor(q * (sorted.size() - 1) + 0.5)));
    }

    private boolean waitFor(BooleanSupplier done, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        while (System.nanoTime() < deadline) {
            if (done.getAsBoolean()) return true;
            showProgress();
            Thread.sleep(250);
        }
        return done.getAsBoolean();
    }

    /** Frames done out of the plan's total, with submitted frames, pairs and the training run's steps. */
    private void showProgress() {
        query("""
                SELECT (SELECT count(*) FROM frames WHERE status IN ('processed', 'failed')), (SELECT count(*) FROM frames),
                       (SELECT count(*) FROM training_pairs),
                       (SELECT coalesce(max(status || ' ' || steps_done || '/' || steps_total), '-') FROM training_runs)""",
                rs -> {
                    if (rs.next()) {
                        console.progress(rs.getLong(1), plan.totalFrames(), String.format("submitted %d, pairs %d, training %s",
                                rs.getLong(2), rs.getLong(3), rs.getString(4)));
                    }
                    return null;
                });
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
        if (serviceLog != null) serviceLog.close();
    }
}
