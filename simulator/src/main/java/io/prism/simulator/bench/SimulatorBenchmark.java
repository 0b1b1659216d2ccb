package io.prism.simulator.bench;

import io.prism.simulator.FarmSimulator;
import io.prism.simulator.FrameRange;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.SimulationSpec;
import io.prism.simulator.Style;
import io.prism.simulator.scene.Scene;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Prints how fast the synthetic farm is, as a table with ratios:
 * <ol>
 *   <li>the must-show run: a full {@code prism simulate} shot (default 24 frames of 256x256, EXR + PNG
 *       writing included) against its 60 s budget;</li>
 *   <li>render-only time per style (styles differ in lights and glossy bounces);</li>
 *   <li>thread scaling: the same frames on 1 thread and on all cores.</li>
 * </ol>
 * Usage: {@code java -cp ... io.prism.simulator.bench.SimulatorBenchmark [frames] [size] [samples]}
 */
public final class SimulatorBenchmark {
    private SimulatorBenchmark() {
    }

    public static void main(String[] args) throws Exception {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 24;
        int size = args.length > 1 ? Integer.parseInt(args[1]) : SimulationSpec.DEFAULT_SIZE;
        int samples = args.length > 2 ? Integer.parseInt(args[2]) : SimulationSpec.DEFAULT_SAMPLES;
        int cores = Runtime.getRuntime().availableProcessors();
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
