package io.prism.simulator.bench;

import io.prism.simulator.FarmSimulator;
import io.prism.simulator.FrameRange;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.SimulationSpec;
import io.prism.simulator.Style;
import io.prism.simulator.scene.Scene;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Prints how fast the synthetic farm is, as a table with ratios:
 * <ol>
 *   <li>the must-show run: a full {@code prism simulate} shot (default 24 frames of 256x256, EXR + PNG
 *       writing included) against its 60 s budget;</li>
 *   <li>render-only time per style (styles differ in lights and glossy bounces);</li>
 *   <li>thread scaling: the same frames on 1 thread and on all cores.</li>
 * </ol>
 * Run as {@code prism bench simulate [--frames N] [--size S] [--samples K]}.
 */
@Command(name = "bench-simulate", mixinStandardHelpOptions = true,
        description = "Times the synthetic farm: a full `prism simulate` shot against its 60 s budget, render time per style, thread scaling.")
public final class SimulatorBenchmark implements Callable<Integer> {

    @Option(names = "--frames", description = "frames per run (default: ${DEFAULT-VALUE})", defaultValue = "24")
    int frames;

    @Option(names = "--size", description = "image width and height (default: ${DEFAULT-VALUE})", defaultValue = "256")
    int size;

    @Option(names = "--samples", description = "samples per pixel (default: ${DEFAULT-VALUE})", defaultValue = "16")
    int samples;

    @Option(names = "--threads", description = "render threads (default: all cores)")
    Integer threads;

    public static void main(String[] args) {
        System.exit(new CommandLine(new SimulatorBenchmark()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (frames < 1 || size < 1 || samples < 1) throw new IllegalArgumentException("frames, size and samples must be positive");
        int cores = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        System.out.printf(Locale.ROOT, "load average at start: %.2f%n", ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        System.out.printf(Locale.ROOT, "synthetic farm benchmark: %d frames, %dx%d, %d spp, %d cores, java %s%n%n",
                frames, size, size, samples, cores, System.getProperty("java.version"));

        // Warm the JIT a little so the first table row is not mostly compilation.
        new Renderer().render(SceneGenerator.generate(Style.STUDIO, 0), 0, 64, 64, 4, cores);

        Path out = Files.createTempDirectory("prism-sim-bench");
        try {
            SimulationSpec spec = SimulationSpec.defaults(out).withFrames(new FrameRange(1, frames)).withSize(size, size)
                    .withSamples(samples).withThreads(cores);
            FarmSimulator.SimulationReport r = new FarmSimulator().run(spec);
            double wall = r.wallTime().toNanos() / 1e9;
            System.out.printf(Locale.ROOT, "%-34s %9s %9s %9s %12s%n", "prism simulate (EXR+PNG written)", "wall_s", "s/frame", "budget_s", "budget/wall");
            System.out.printf(Locale.ROOT, "%-34s %9.2f %9.3f %9d %11.1fx%n%n", "studio, " + frames + " frames", wall, wall / frames, 60, 60 / wall);
        } finally {
            try (Stream<Path> s = Files.walk(out)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }

        System.out.printf(Locale.ROOT, "%-10s %8s %9s %9s %12s %10s%n", "style", "threads", "render_s", "s/frame", "Mpixel*spp/s", "vs_studio");
        double studio = 0;
        for (Style style : Style.values()) {
            double t = renderSeconds(style, frames, size, samples, cores);
            if (style == Style.STUDIO) studio = t;
            System.out.printf(Locale.ROOT, "%-10s %8d %9.2f %9.3f %12.3f %9.2fx%n", style, cores, t, t / frames,
                    (double) size * size * samples * frames / t / 1e6, t / studio);
        }

        int few = Math.max(1, frames / 4);
        double one = renderSeconds(Style.STUDIO, few, size, samples, 1);
        double all = renderSeconds(Style.STUDIO, few, size, samples, cores);
        System.out.printf(Locale.ROOT, "%nthread scaling (studio, %d frames): 1 thread %.2f s, %d threads %.2f s, speed-up %.2fx%n",
                few, one, cores, all, one / all);
        System.out.printf(Locale.ROOT, "load average at end: %.2f (other processes share these cores; wall times include their load)%n",
                ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        return 0;
    }

    private static double renderSeconds(Style style, int frames, int size, int samples, int threads) throws IOException {
        Scene scene = SceneGenerator.generate(style, 1);
        Renderer renderer = new Renderer();
        long t0 = System.nanoTime();
        for (int f = 1; f <= frames; f++) {
            RenderedFrame rf = renderer.render(scene, f, size, size, samples, threads);
            if (rf.width() != size) throw new IllegalStateException();
        }
        return (System.nanoTime() - t0) / 1e9;
    }
}
