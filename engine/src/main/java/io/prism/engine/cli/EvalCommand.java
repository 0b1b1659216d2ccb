package io.prism.engine.cli;

import io.prism.engine.DensePredictor;
import io.prism.engine.PredictOptions;
import io.prism.engine.eval.Evaluator;
import io.prism.engine.train.ExrFolderPairDataset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code prism eval}: PSNR/SSIM (albedo, in sRGB, with trivial baselines) or IoU/F1 (mask) of a model on EXR frames. */
@Command(name = "eval", mixinStandardHelpOptions = true,
        description = "Score a model on EXR frames with ground-truth layers (fixed seed).")
public final class EvalCommand implements Callable<Integer> {
    @Option(names = "--model", required = true) Path model;
    @Option(names = "--data", required = true, split = ",") List<Path> data;
    @Option(names = "--steps", description = "default: the model's") Integer steps;
    @Option(names = "--ensemble", description = "default: the model's") Integer ensemble;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--device", defaultValue = "cpu") String device;
    @Option(names = "--threads", defaultValue = "0") int threads;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        try (DensePredictor p = DensePredictor.open(model, device, threads)) {
            PredictOptions o = p.defaultOptions().withSeed(seed);
            if (steps != null) o = o.withSteps(steps);
            if (ensemble != null) o = o.withEnsembleSize(ensemble);
            var pairs = new ExrFolderPairDataset(data, p.spec().task()).all();
            System.out.println(p.spec().name() + ": " + Evaluator.evaluate(p, pairs, o));
        }
        return 0;
    }
}
