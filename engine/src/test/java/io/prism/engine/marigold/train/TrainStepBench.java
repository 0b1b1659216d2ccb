package io.prism.engine.marigold.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.unets.UNet2DConditionConfig;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.schedule.DdimScheduler;
import io.prism.engine.schedule.SchedulerConfig;
import io.prism.engine.train.AdamW;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Cost of one full-size Marigold fine-tuning step on this machine (not a test): the UNet of a diffusers config with
 * random weights, one micro-batch forward + backward through {@link MarigoldTrainer#objective} (the trainer's loss)
 * and one {@link AdamW} update, timed per phase, then the process's peak RSS.
 *
 * <pre>java -cp $CP io.prism.engine.marigold.train.TrainStepBench CONFIG_DIR RESOLUTION BATCH THREADS STEPS</pre>
 */
public final class TrainStepBench {
    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int res = Integer.parseInt(args[1]), batch = Integer.parseInt(args[2]), threads = Integer.parseInt(args[3]);
        int steps = args.length > 4 ? Integer.parseInt(args[4]) : 2;
        Engine engine = Engines.pytorch(threads);
        Engines.gradMode(false);
        UNet2DConditionConfig cfg = UNet2DConditionConfig.read(dir.resolve("unet/config.json"));
        DdimScheduler scheduler = new DdimScheduler(SchedulerConfig.fromDiffusers(dir.resolve("scheduler")));
        try (NDManager m = engine.newBaseManager()) {
            long t0 = System.nanoTime();
            UNet2DConditionModel unet = new UNet2DConditionModel(StateDict.random(m, DataType.FLOAT32, 1), cfg);
            List<NDArray> weights = new ArrayList<>(unet.parameters().values());
            for (NDArray w : weights) w.setRequiresGradient(true);
            boolean[] decay = new boolean[weights.size()];
            AdamW adam = AdamW.forArrays(weights);
            System.out.printf("UNet %,d parameters (random), built in %.1f s; latent %dx%d, batch %d, %d threads%n",
                    unet.parameterCount(), (System.nanoTime() - t0) / 1e9, res / 8, res / 8, batch, threads);
            int h = res / 8, tc = cfg.outChannels(), cross = cfg.crossAttentionDim().get(0);
            NDArray text = m.randomNormal(new Shape(1, 77, cross));
            for (int s = 0; s < steps; s++) {
                double fb, opt;
                long a = System.nanoTime();
                try (GradientCollector gc = engine.newGradientCollector(); NDManager sm = m.newSubManager()) {
                    NDArray img = sm.randomNormal(new Shape(batch, 4, h, h)), x0 = sm.randomNormal(new Shape(batch, tc, h, h));
                    NDArray eps = sm.randomNormal(new Shape(batch, tc, h, h));
                    float[] t = new float[batch];
                    for (int k = 0; k < batch; k++) t[k] = 999 - 250 * k;
                    NDArray loss = MarigoldTrainer.objective(unet, text, scheduler, img, x0, eps, t).sum().div(sm.create((float) batch));
                    gc.backward(loss);
                    fb = (System.nanoTime() - a) / 1e9;
                }
                long b = System.nanoTime();
                double norm = adam.stepArrays(weights, decay, 3e-5, 0, 1.0);
                opt = (System.nanoTime() - b) / 1e9;
                System.out.printf("step %d: forward+backward %.1f s, AdamW %.1f s, total %.1f s (|g| %.3g), peak RSS %s%n", s + 1, fb, opt,
                        fb + opt, norm, peakRss());
            }
        }
    }

    static String peakRss() throws Exception {
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) if (l.startsWith("VmHWM")) return l.substring(6).trim();
        return "?";
    }
}
