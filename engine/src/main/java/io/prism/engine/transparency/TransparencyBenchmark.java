package io.prism.engine.transparency;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKLConfig;
import io.prism.engine.diffusers.models.transformers.SD3Transformer2DModel;
import io.prism.engine.diffusers.models.transformers.SD3Transformer2DModelConfig;
import io.prism.engine.marigold.MarigoldBenchmark;
import io.prism.engine.schedule.FlowMatchEulerDiscreteConfig;
import io.prism.engine.schedule.FlowMatchEulerDiscreteScheduler;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * {@code prism bench predict --sd3 TRANSFORMER_DIR --sd3-vae VAE_DIR}: the SD3.5 transparency architecture built from
 * configs with random weights (a folder with weights is loaded instead), one frame through the whole pipeline per
 * processing resolution at the given steps — seconds per frame and the process's peak resident memory.
 */
public final class TransparencyBenchmark {
    private TransparencyBenchmark() {}

    /**
     * @param dir    a folder with {@code transformer/} and {@code scheduler/} (configs, weights optional)
     * @param vaeDir a VAE folder (config, weights optional), e.g. SD3.5-medium's {@code vae/}
     */
    public static void run(Path dir, Path vaeDir, List<Integer> resolutions, List<Integer> steps, int repeats, String device,
                           String dtype, int threads, PrintStream out) throws Exception {
        var engine = Engines.pytorch(threads);
        Device d = Engines.device(device);
        DataType dt = Engines.computeType(dtype, d);
        try (NDManager m = engine.newBaseManager(d)) {
            boolean grad = Engines.gradMode(false);
            try {
                long t0 = System.nanoTime();
                SD3Transformer2DModel transformer = hasWeights(dir.resolve("transformer"))
                        ? SD3Transformer2DModel.load(dir.resolve("transformer"), null, m, dt, false)
                        : new SD3Transformer2DModel(StateDict.random(m, dt, 3), SD3Transformer2DModelConfig.read(dir.resolve("transformer/config.json")));
                AutoencoderKL vae = hasWeights(vaeDir) ? AutoencoderKL.load(vaeDir, null, m, dt, false)
                        : new AutoencoderKL(StateDict.random(m, dt, 4), AutoencoderKLConfig.read(vaeDir.resolve("config.json")));
                SD3Transformer2DModelConfig c = transformer.config();
                boolean endToEnd = c.inChannels() == vae.config().latentChannels();
                FlowMatchEulerDiscreteScheduler scheduler = endToEnd ? null
                        : new FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig.read(dir.resolve("scheduler")));
                // the empty prompt's shapes: CLIP-L/G rows then the T5 block, and the pooled projections
                NDArray prompt = m.randomNormal(0, 0.5f, new Shape(1, 77 + TransparencyPredictor.T5_TOKENS, c.jointAttentionDim()), DataType.FLOAT32);
                NDArray pooled = m.randomNormal(0, 0.5f, new Shape(1, c.pooledProjectionDim()), DataType.FLOAT32);
                TransparencyPipeline pipeline = new TransparencyPipeline(transformer, vae, scheduler, prompt, pooled);
                out.printf("sd3 transparency (%s): transformer %,d + VAE %,d parameters, built in %.1f s; device %s, %s%n",
                        endToEnd ? "one-step end-to-end" : "rectified flow", transformer.parameterCount(), vae.parameterCount(),
                        (System.nanoTime() - t0) / 1e9, device, dt);
                out.printf("%-40s %10s %12s%n", "case", "seconds", "peak RSS GB");
                for (int res : resolutions) {
                    NDArray image = m.randomUniform(0, 1, new Shape(1, 3, res, res));
                    for (int st : endToEnd ? List.of(1) : steps) {
                        TransparencyPipeline.Settings s = new TransparencyPipeline.Settings(st, 1, 1, TransparencyPipeline.Posterior.MEAN,
                                0L, null, null);
                        double[] times = new double[Math.max(1, repeats)];
                        pipeline.run(image, s, null);                                     // warm-up
                        for (int i = 0; i < times.length; i++) {
                            long t = System.nanoTime();
                            pipeline.run(image, s, null);
                            times[i] = (System.nanoTime() - t) / 1e9;
                        }
                        java.util.Arrays.sort(times);
                        out.printf("%-40s %10.2f %12.2f%n", "pipeline " + res + "x" + res + ", " + st + " step(s), ensemble 1",
                                times[(times.length - 1) / 2], MarigoldBenchmark.peakRssGb());
                    }
                    image.close();
                }
            } finally {
                Engines.gradMode(grad);
            }
        }
    }

    private static boolean hasWeights(Path component) {
        return Files.isRegularFile(component.resolve("diffusion_pytorch_model.safetensors"))
                || Files.isRegularFile(component.resolve("diffusion_pytorch_model.safetensors.index.json"));
    }
}
