package io.prism.engine.marigold;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKLConfig;
import io.prism.engine.diffusers.models.unets.UNet2DConditionConfig;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.schedule.SchedulerConfig;
import io.prism.vision.image.FloatImage;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;

/**
 * {@code prism bench predict --marigold DIR}: a full-size Marigold architecture (from a diffusers folder's configs;
 * random weights where the folder has none) timed on this machine — the whole pipeline on one frame, the UNet and the
 * VAE alone — with the UNet's achieved FLOP rate as a fraction of a plain DJL float32 matmul measured in the same run,
 * and the process's peak resident memory.
 */
public final class MarigoldBenchmark {
    private MarigoldBenchmark() {}

    /**
     * @param matmul measures the reference matmul rate (FLOP/s); it runs before and after the cases, and the UNet's rate
     *               is also given against the better of the two (the reference moves with the machine's load)
     */
    public static void run(Path dir, int resolution, List<Integer> steps, int repeats, String device, String dtype, int threads,
                           java.util.function.DoubleSupplier matmul, PrintStream out) throws Exception {
        double matmulFlops = matmul.getAsDouble();
        MarigoldCheckpoint checkpoint = MarigoldCheckpoint.read(dir);
        var engine = Engines.pytorch(threads);
        Device d = Engines.device(device);
        DataType dt = Engines.computeType(dtype, d);
        boolean random = !Files.isRegularFile(dir.resolve("unet/diffusion_pytorch_model.safetensors"))
                && !Files.isRegularFile(dir.resolve("unet/diffusion_pytorch_model.safetensors.index.json"));
        try (NDManager m = engine.newBaseManager(d)) {
            boolean grad = Engines.gradMode(false);
            try {
                long t0 = System.nanoTime();
                UNet2DConditionModel unet;
                AutoencoderKL vae;
                if (random) {
                    unet = new UNet2DConditionModel(StateDict.random(m, dt, 1), UNet2DConditionConfig.read(dir.resolve("unet/config.json")));
                    vae = new AutoencoderKL(StateDict.random(m, dt, 2), AutoencoderKLConfig.read(dir.resolve("vae/config.json")));
                } else {
                    String variant = dt == DataType.FLOAT16 ? "fp16" : null;
                    unet = UNet2DConditionModel.load(dir.resolve("unet"), variant, m, dt, false);
                    vae = AutoencoderKL.load(dir.resolve("vae"), variant, m, dt, false);
                }
                int cross = unet.config().crossAttentionDim().get(0);
                NDArray text = m.randomNormal(0, 0.5f, new Shape(1, 2, cross), DataType.FLOAT32);   // empty prompt: 2 tokens
                NDArray textDt = text.toType(dt, false);
                var scheduler = SchedulerConfig.fromDiffusers(dir.resolve("scheduler/scheduler_config.json")).create();
                MarigoldPipeline pipeline = new MarigoldPipeline(checkpoint, unet, vae, text, scheduler, m.newSubManager(), dt);
                out.printf("marigold %s (%s weights): UNet %,d + VAE %,d parameters, built in %.1f s; device %s, %s%n", checkpoint.kind(),
                        random ? "random" : "checkpoint", unet.parameterCount(), vae.parameterCount(), (System.nanoTime() - t0) / 1e9, device, dt);
                out.printf("reference: DJL matmul 1024x1024 float32 = %.1f GFLOP/s%n", matmulFlops / 1e9);
                out.printf("%-34s %10s %10s %9s %12s%n", "case", "seconds", "GFLOP/s", "vs matmul", "peak RSS GB");

                int f = vae.scaleFactor(), h = resolution / f, w = resolution / f;
                double unetFlops = unet.flopsPerForward(h, w, 2);
                NDArray latent = m.randomNormal(new Shape(1, unet.config().inChannels(), h, w)).toType(dt, false);
                float[] t = {999f};
                double unetSeconds = time(repeats, () -> {
                    try (NDManager s = m.newSubManager()) {
                        latent.tempAttach(s);
                        unet.forward(latent, t, textDt).toType(DataType.FLOAT32, false).toFloatArray();
                    }
                    return 0;
                });
                row(out, "UNet forward, latent " + h + "x" + w, unetSeconds, unetFlops, matmulFlops);
                double unetRate = unetFlops / unetSeconds;
                NDArray image = m.randomUniform(-1, 1, new Shape(1, 3, resolution, resolution)).toType(dt, false);
                double enc = time(repeats, () -> {
                    try (NDManager s = m.newSubManager()) {
                        image.tempAttach(s);
                        vae.encode(image).mean().toType(DataType.FLOAT32, false).toFloatArray();
                    }
                    return 0;
                });
                row(out, "VAE encode " + resolution + "x" + resolution, enc, 0, matmulFlops);
                NDArray z = m.randomNormal(new Shape(1, 4, h, w)).toType(dt, false);
                double dec = time(repeats, () -> {
                    try (NDManager s = m.newSubManager()) {
                        z.tempAttach(s);
                        vae.decode(z).toType(DataType.FLOAT32, false).toFloatArray();
                    }
                    return 0;
                });
                row(out, "VAE decode " + resolution + "x" + resolution, dec, 0, matmulFlops);
                FloatImage frame = randomFrame(resolution);
                for (int st : steps) {
                    MarigoldPipeline.Settings s = new MarigoldPipeline.Settings(st, 1, resolution, true, 1, "median", false, 0L, null);
                    double sec = time(repeats, () -> {
                        pipeline.run(List.of(frame), s, null);
                        return 0;
                    });
                    row(out, "pipeline " + resolution + "x" + resolution + ", " + st + " step(s), batch 1", sec,
                            0, matmulFlops);   // a FLOP rate only for the UNet row: the VAE's convolutions are not counted
                }
                double after = matmul.getAsDouble();
                out.printf("reference again after the cases: DJL matmul = %.1f GFLOP/s; UNet %.1f GFLOP/s = %.0f%% of the better reference "
                        + "(UNet %.2f TFLOP per forward at %dx%d latent)%n", after / 1e9, unetRate / 1e9,
                        100 * unetRate / Math.max(matmulFlops, after), unetFlops / 1e12, h, w);
            } finally {
                Engines.gradMode(grad);
            }
        }
    }

    private static void row(PrintStream out, String name, double seconds, double flops, double matmul) {
        out.printf("%-34s %10.2f %10s %9s %12.2f%n", name, seconds, flops > 0 ? String.format("%.1f", flops / seconds / 1e9) : "-",
                flops > 0 ? String.format("%.0f%%", 100 * flops / seconds / matmul) : "-", peakRssGb());
    }

    /** Median of {@code repeats} timed runs after one warm-up. */
    private static double time(int repeats, DoubleSupplier work) {
        work.getAsDouble();
        double[] s = new double[Math.max(1, repeats)];
        for (int i = 0; i < s.length; i++) {
            long t0 = System.nanoTime();
            work.getAsDouble();
            s[i] = (System.nanoTime() - t0) / 1e9;
        }
        java.util.Arrays.sort(s);
        return s[(s.length - 1) / 2];
    }

    private static FloatImage randomFrame(int size) {
        SplittableRandom r = new SplittableRandom(size);
        float[][] planes = new float[3][size * size];
        for (float[] p : planes) for (int k = 0; k < p.length; k++) p[k] = (float) r.nextDouble();
        return new FloatImage(size, size, List.of("R", "G", "B"), planes);
    }

    /**
     * A Marigold folder with random weights from {@code configDir}'s configs (model_index.json, unet/vae configs,
     * scheduler config): what a full-size model costs to serve, for benchmarks that need a folder on disk (the worker).
     * The prompt embedding is random too (2 tokens, as SD2's empty prompt). The outputs are meaningless.
     */
    public static Path writeRandomCheckpoint(Path configDir, Path out, long seed) throws java.io.IOException {
        MarigoldCheckpoint.read(configDir);
        for (String f : List.of("model_index.json", "scheduler/scheduler_config.json", "unet/config.json", "vae/config.json")) {
            Path t = out.resolve(f);
            Files.createDirectories(t.getParent());
            Files.copy(configDir.resolve(f), t, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        try (NDManager m = Engines.pytorch(0).newBaseManager()) {
            boolean grad = Engines.gradMode(false);
            try {
                try (NDManager u = m.newSubManager()) {
                    StateDict sd = StateDict.random(u, DataType.FLOAT32, seed);
                    UNet2DConditionModel unet = new UNet2DConditionModel(sd, UNet2DConditionConfig.read(configDir.resolve("unet/config.json")));
                    io.prism.engine.diffusers.SafetensorsFile.write(out.resolve("unet/diffusion_pytorch_model.safetensors"), unet.parameters(), Map.of("format", "pt"));
                    int cross = unet.config().crossAttentionDim().get(0);
                    io.prism.engine.diffusers.transformers.EmptyPromptEmbedding.save(
                            u.randomNormal(0, 0.5f, new Shape(1, 2, cross), DataType.FLOAT32), out.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE));
                }
                try (NDManager v = m.newSubManager()) {
                    StateDict sd = StateDict.random(v, DataType.FLOAT32, seed + 1);
                    AutoencoderKL vae = new AutoencoderKL(sd, AutoencoderKLConfig.read(configDir.resolve("vae/config.json")));
                    io.prism.engine.diffusers.SafetensorsFile.write(out.resolve("vae/diffusion_pytorch_model.safetensors"), vae.parameters(), Map.of("format", "pt"));
                }
            } finally {
                Engines.gradMode(grad);
            }
        }
        return out;
    }

    /** VmHWM of this process (Linux), in GB; 0 where unknown. */
    public static double peakRssGb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) return Long.parseLong(line.replaceAll("\\D+", "")) / 1024.0 / 1024.0;
            }
        } catch (Exception ignored) {
            // not Linux
        }
        return 0;
    }
}
