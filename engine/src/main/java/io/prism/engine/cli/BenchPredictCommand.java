package io.prism.engine.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.DensePredictor;
import io.prism.engine.Engines;
import io.prism.engine.PredictOptions;
import io.prism.engine.model.UNetDenoiser;
import io.prism.vision.image.FloatImage;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;

/**
 * {@code prism bench predict}: frames/s of the dense predictor for 256² and 512² frames at 1 and 4 steps,
 * ensemble 1 and 4, batch 1 and 8 (frames per call), processed at native resolution; and the achieved FLOP rate
 * of the UNet as a fraction of a plain DJL float32 matrix product's rate measured in the same run.
 */
@Command(name = "bench-predict", mixinStandardHelpOptions = true,
        description = "Benchmark inference: frames/s and achieved FLOP rate vs a plain DJL matmul.")
public final class BenchPredictCommand implements Callable<Integer> {
    @Option(names = "--model", defaultValue = "models/albedo-v1", description = "checkpoint folder") Path model;
    @Option(names = "--sizes", split = ",", defaultValue = "256,512") List<Integer> sizes;
    @Option(names = "--steps", split = ",", defaultValue = "1,4") List<Integer> steps;
    @Option(names = "--ensembles", split = ",", defaultValue = "1,4") List<Integer> ensembles;
    @Option(names = "--batches", split = ",", defaultValue = "1,8") List<Integer> batches;
    @Option(names = "--min-seconds", defaultValue = "1.0", description = "time each case at least this long") double minSeconds;
    @Option(names = "--device", defaultValue = "cpu") String device;
    @Option(names = "--threads", defaultValue = "0") int threads;
    @Option(names = "--marigold", description = "a diffusers Marigold folder (configs suffice: random weights where there are none) "
            + "to time instead: pipeline, UNet, VAE at --resolution") Path marigold;
    @Option(names = "--resolution", defaultValue = "768", description = "with --marigold: processing resolution") int resolution;
    @Option(names = "--repeats", defaultValue = "3", description = "with --marigold: timed runs per case (median)") int repeats;
    @Option(names = "--dtype", defaultValue = "fp32", description = "with --marigold / --sd3: fp32 or fp16 (GPU)") String dtype;
    @Option(names = "--sd3", description = "an SD3 transparency folder (transformer/ and scheduler/; configs suffice: random weights) to time instead") Path sd3;
    @Option(names = "--sd3-vae", description = "with --sd3: the VAE folder (default: <sd3>/vae)") Path sd3Vae;
    @Option(names = "--resolutions", split = ",", defaultValue = "512,1024", description = "with --sd3: processing resolutions") List<Integer> resolutions;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        if (sd3 != null) {
            io.prism.engine.transparency.TransparencyBenchmark.run(sd3, sd3Vae != null ? sd3Vae : sd3.resolve("vae"), resolutions, steps,
                    repeats, device, dtype, threads, System.out);
            return 0;
        }
        if (marigold != null) {
            io.prism.engine.marigold.MarigoldBenchmark.run(marigold, resolution, steps, repeats, device, dtype, threads,
                    () -> matmulFlops(Engines.device(device)), System.out);
            return 0;
        }
        try (DensePredictor p = DensePredictor.open(model, device, threads)) {
            double matmul = matmulFlops(Engines.device(device));
            System.out.printf("model %s (%s), device %s; reference: DJL matmul 1024x1024 float32 = %.2f GFLOP/s%n",
                    p.spec().name(), p.spec().task(), device, matmul / 1e9);
            System.out.printf("%-8s %5s %8s %5s %10s %12s %10s %9s%n", "size", "steps", "ensemble", "batch", "frames/s",
                    "ms/frame", "GFLOP/s", "vs matmul");
            for (int size : sizes) {
                for (int st : steps) {
                    for (int e : ensembles) {
                        for (int b : batches) {
                            double[] r = run(p, size, st, e, b, minSeconds);
                            double flops = r[1] * r[0];
                            System.out.printf("%-8s %5d %8d %5d %10.3f %12.1f %10.2f %8.1f%%%n", size + "x" + size, st, e, b,
                                    r[0], 1000 / r[0], flops / 1e9, 100 * flops / matmul);
                        }
                    }
                }
            }
        }
        return 0;
    }

    /** {frames per second, FLOPs per frame}. */
    static double[] run(DensePredictor p, int size, int steps, int ensemble, int batch, double minSeconds) {
        List<FloatImage> frames = new ArrayList<>();
        SplittableRandom r = new SplittableRandom(size);
        for (int i = 0; i < batch; i++) {
            float[][] planes = new float[3][size * size];
            for (float[] pl : planes) for (int k = 0; k < pl.length; k++) pl[k] = (float) r.nextDouble();
            frames.add(new FloatImage(size, size, List.of("R", "G", "B"), planes));
        }
        PredictOptions o = p.defaultOptions().withProcessingResolution(0).withTiling(0, 0).withSteps(steps)
                .withEnsembleSize(ensemble).withBatchSize(Math.min(64, batch * ensemble));
        p.predict(frames, o);                                                  // warm-up
        long t0 = System.nanoTime();
        int n = 0;
        do {
            p.predict(frames, o);
            n += batch;
        } while ((System.nanoTime() - t0) / 1e9 < minSeconds && n < 64);
        double fps = n / ((System.nanoTime() - t0) / 1e9);
        int f = p.spec().codec().factor();
        long lh = size / f, lw = size / f;
        double perForward = p.denoiser().flopsPerLatentPixel() * lh * lw;
        if (p.denoiser() instanceof UNetDenoiser u) perForward += u.attentionFlops(lh, lw);
        return new double[] {fps, perForward * steps * ensemble};
    }

    /** FLOP/s of a 1024×1024 by 1024×1024 float32 matrix product in DJL on the same device. */
    static double matmulFlops(ai.djl.Device device) {
        try (NDManager m = Engines.pytorch(0).newBaseManager(device)) {
            NDArray a = m.randomUniform(-1, 1, new Shape(1024, 1024));
            NDArray b = m.randomUniform(-1, 1, new Shape(1024, 1024));
            a.matMul(b).toFloatArray();                                        // warm-up
            long t0 = System.nanoTime();
            int n = 0;
            do {
                try (NDManager s = m.newSubManager()) {
                    NDArray c = a.matMul(b);
                    c.attach(s);
                    c.getFloat(0, 0);                                          // force completion
                }
                n++;
            } while ((System.nanoTime() - t0) / 1e9 < 1.0);
            return n * 2.0 * 1024 * 1024 * 1024 / ((System.nanoTime() - t0) / 1e9);
        }
    }
}
