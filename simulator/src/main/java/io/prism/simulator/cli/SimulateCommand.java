package io.prism.simulator.cli;

import io.prism.simulator.EmitRate;
import io.prism.simulator.FarmSimulator;
import io.prism.simulator.FrameRange;
import io.prism.simulator.Renderer;
import io.prism.simulator.SimulationSpec;
import io.prism.simulator.Style;
import io.prism.vision.exr.Compression;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;

/**
 * {@code prism simulate}: a synthetic render farm. Renders an animated shot and writes one
 * multi-layer EXR per frame into {@code <out>/<show>/<shot>/<layer>/<name>.<frame:04d>.exr} (PNG
 * previews beside, in {@code previews/}), then prints a per-frame timing table.
 */
@Command(name = "simulate", mixinStandardHelpOptions = true,
        description = {
                "Synthetic render farm: ray-traces an animated shot (spheres, boxes, planes; textured diffuse, glossy and glass materials;",
                "soft-shadowed lights; sky) and writes one multi-layer EXR per frame: beauty RGBA, albedo.RGB, mask.Y (glass), N.XYZ, Z.",
                "Frames land in <out>/<show>/<shot>/<layer>/<name>.<frame:04d>.exr (atomically), previews in <out>/<show>/<shot>/previews/."})
public final class SimulateCommand implements Callable<Integer> {

    @Spec
    CommandLine.Model.CommandSpec commandSpec;

    @Option(names = {"-o", "--out"}, description = "Farm output root (default: ${DEFAULT-VALUE}).", defaultValue = "farm")
    Path out;

    @Option(names = "--show", description = "Show name (default: ${DEFAULT-VALUE}).", defaultValue = SimulationSpec.DEFAULT_SHOW)
    String show;

    @Option(names = "--shot", description = "Shot name (default: ${DEFAULT-VALUE}).", defaultValue = SimulationSpec.DEFAULT_SHOT)
    String shot;

    @Option(names = "--layer", description = "Render layer folder (default: ${DEFAULT-VALUE}).", defaultValue = SimulationSpec.DEFAULT_LAYER)
    String layer;

    @Option(names = "--name", description = "File name stem (default: the shot name).")
    String name;

    @Option(names = "--style", description = "Scene style: studio, sunset or neon (default: ${DEFAULT-VALUE}).", defaultValue = "studio")
    String style;

    @Option(names = "--seed", description = "Scene seed; the same seed gives the same pixels (default: ${DEFAULT-VALUE}).", defaultValue = "1")
    long seed;

    @Option(names = {"-f", "--frames"}, description = "Inclusive frame range FIRST-LAST (default: ${DEFAULT-VALUE}).", defaultValue = "1-24")
    String frames;

    @Option(names = {"-W", "--width"}, description = "Width in pixels (default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int width;

    @Option(names = {"-H", "--height"}, description = "Height in pixels (default: ${DEFAULT-VALUE}).", defaultValue = "256")
    int height;

    @Option(names = {"-s", "--samples"}, description = "Beauty samples per pixel (default: ${DEFAULT-VALUE}).", defaultValue = "16")
    int samples;

    @Option(names = "--rate", description = "Emission rate: 2fps, 0.5/s, 3s (per frame), 250ms, or max (default: ${DEFAULT-VALUE}).", defaultValue = "max")
    String rate;

    @Option(names = {"-t", "--threads"}, description = "Render threads (default: all cores). Does not change the pixels.")
    Integer threads;

    @Option(names = "--compression", description = "EXR compression: NONE, RLE, ZIPS, ZIP, PIZ, PXR24 (default: ${DEFAULT-VALUE}).", defaultValue = "ZIP")
    String compression;

    @Option(names = "--beauty-only", description = "Write only beauty RGBA into the EXRs, like a production farm (no ground-truth layers).")
    boolean beautyOnly;

    @Option(names = {"-q", "--quiet"}, description = "Print only the summary line.")
    boolean quiet;

    @Override
    public Integer call() throws Exception {
        PrintWriter pw = commandSpec.commandLine().getOut();
        SimulationSpec spec;
        try {
            spec = new SimulationSpec(show, shot, layer, Style.parse(style), seed, FrameRange.parse(frames),
                    width, height, samples, EmitRate.parse(rate),
                    threads != null ? threads : Runtime.getRuntime().availableProcessors(), out,
                    parseCompression(compression), name);
        } catch (IllegalArgumentException e) {
            throw new CommandLine.ParameterException(commandSpec.commandLine(), e.getMessage(), e);
        }
        if (!quiet) {
            pw.printf(Locale.ROOT, "simulate %s/%s frames %s, %dx%d, %d spp, style %s, seed %d, %d threads, rate %s -> %s%n",
                    spec.show(), spec.shot(), spec.frames(), spec.width(), spec.height(), spec.samples(), spec.style(),
                    spec.seed(), spec.threads(), spec.rate(), spec.shotDir().resolve(spec.layer()));
            pw.printf(Locale.ROOT, "%8s %10s  %s%n", "frame", "render_ms", "file");
            pw.flush();
        }
        long cpu0 = processCpuNanos();
        FarmSimulator farm = new FarmSimulator(new Renderer(), beautyOnly ? FarmSimulator.Layers.BEAUTY_ONLY : FarmSimulator.Layers.ALL);
        FarmSimulator.SimulationReport report = farm.run(spec, o -> {
            if (!quiet) {
                pw.printf(Locale.ROOT, "%8d %10.1f  %s%n", o.frame(), o.renderTime().toNanos() / 1e6, o.exr());
                pw.flush();
            }
        });
        double renderS = report.frames().stream().mapToLong(f -> f.renderTime().toNanos()).sum() / 1e9;
        double wallS = report.wallTime().toNanos() / 1e9;
        double mpix = (double) spec.width() * spec.height() * report.frames().size() / 1e6;
        double cpuS = (processCpuNanos() - cpu0) / 1e9;
        pw.printf(Locale.ROOT, "frames %d  wall %.2f s  render %.2f s  %.2f s/frame  %.2f frames/s  %.3f Mpixel/s  (%d spp, %d threads)%n",
                report.frames().size(), wallS, renderS, wallS / report.frames().size(), report.framesPerSecond(),
                mpix / wallS, spec.samples(), spec.threads());
        if (cpuS > 0) {
            // On a shared machine wall time includes other processes' load; CPU time says what this run cost.
            pw.printf(Locale.ROOT, "cpu %.2f s (%.0f%% of %d cores over the wall time), system load average %.2f%n",
                    cpuS, 100 * cpuS / (wallS * Runtime.getRuntime().availableProcessors()),
                    Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        }
        pw.flush();
        return 0;
    }

    /** CPU time of this JVM (all threads), or -1 where the platform does not say. */
    static long processCpuNanos() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getProcessCpuTime();
        }
        return -1;
    }

    private static Compression parseCompression(String s) {
        try {
            Compression c = Compression.valueOf(s.trim().toUpperCase(Locale.ROOT));
            if (c.supported()) return c;
        } catch (IllegalArgumentException e) {
            // below
        }
        throw new IllegalArgumentException("unsupported EXR compression '" + s + "'; choose NONE, RLE, ZIPS, ZIP, PIZ or PXR24");
    }

    /** Stand-alone entry point (the launcher registers this command as {@code prism simulate}). */
    public static void main(String[] args) {
        System.exit(new CommandLine(new SimulateCommand()).execute(args));
    }
}
