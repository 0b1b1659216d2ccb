package io.prism.trainer.cli;

import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.TrainConfig;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;
import io.prism.platform.contracts.Task;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.Style;
import io.prism.trainer.TrainerConfig;
import io.prism.trainer.engine.EngineModelTrainer;
import io.prism.trainer.run.LabeledFrame;
import io.prism.trainer.run.ModelTrainer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code prism bench train}: fine-tuning throughput of the trainer's run path (engine trainer, checkpoints) by
 * effective batch, and the cost of periodic checkpoints, on simulator frames. Prints a table with ratios.
 */
@Command(name = "bench-train", mixinStandardHelpOptions = true,
        description = "Fine-tuning steps/s and samples/s by effective batch, with and without periodic checkpoints.")
public final class TrainerBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Option(names = "--model", description = "checkpoint to fine-tune (default: a fresh tiny model made here)")
    Path model;
    @Option(names = "--size", defaultValue = "64", description = "frame size (px)")
    int size;
    @Option(names = "--frames", defaultValue = "16")
    int frames;
    @Option(names = "--steps", defaultValue = "20")
    int steps;
    @Option(names = "--batches", split = ",", defaultValue = "1,4,8", description = "effective batches (micro-batch 2 when even)")
    List<Integer> batches;
    @Option(names = "--checkpoint-every", defaultValue = "5", description = "checkpoint interval for the second row of each batch")
    int checkpointEvery;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path work = Files.createTempDirectory("prism-bench-train-");
        Renderer renderer = new Renderer(3);
        List<LabeledFrame> data = new ArrayList<>();
        for (int i = 0; i < frames; i++) {
            RenderedFrame f = renderer.render(SceneGenerator.generate(Style.SUNSET, 700 + i), 1, size, size, 4,
                    Runtime.getRuntime().availableProcessors());
            data.add(new LabeledFrame("sunset-" + i, f.beauty(), f.albedo()));
        }
        Path base = model;
        if (base == null) {
            List<TrainingPair> pairs = data.stream().map(f -> new TrainingPair(f.id(), f.beauty(), f.target())).toList();
            TrainConfig cfg = TrainConfig.defaults(Task.ALBEDO, work.resolve("base").toString()).withName("bench-base").withSteps(1)
                    .withBatch(2, 1).withWarmupSteps(1).withMinLrFactor(0.1).withCropSize(0).withEvery(0, 0, 0)
                    .withArchitecture(2, List.of(16, 32), 4).withProcessingResolution(size).withResume(false).withCommand("bench");
            base = new Trainer(cfg, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                    .train(PairDataset.of(pairs, "bench"), List.of()).modelDir();
        }
        long params = ModelCheckpoint.load(base).parameterCount();
        out.printf("fine-tuning %s (%,d parameters) on %d frames of %dx%d, %d steps, %d cores%n%n", base, params, frames, size, size,
                steps, Runtime.getRuntime().availableProcessors());
        out.printf("%-10s %-6s %-12s %9s %9s %11s %14s%n", "eff.batch", "micro", "checkpoints", "seconds", "steps/s", "samples/s", "vs batch 1");
        double baseline = Double.NaN;
        EngineModelTrainer trainer = new EngineModelTrainer();
        ModelTrainer.Progress quiet = new ModelTrainer.Progress() {
            public void started(int fromStep, int totalSteps) {}
            public void step(int step, int totalSteps, double loss, double stepsPerSecond) {}
            public void checkpoint(int step, Path dir) {}
        };
        int run = 0;
        // Warm-up (engine start, JIT) so the first row is not charged for it.
        trainer.train(new ModelTrainer.Job(Task.ALBEDO, "warmup00", base, work.resolve("warmup"),
                new TrainerConfig.Training(2, 1, 1, 3e-4, 1, 0, 0, 1, 3, 2, 0)), data, quiet);
        for (int eb : batches) {
            int micro = eb % 2 == 0 ? 2 : 1;
            for (int ck : new int[] {0, checkpointEvery}) {
                TrainerConfig.Training t = new TrainerConfig.Training(steps, micro, eb / micro, 3e-4, 2, 0, ck, 1, 3, 2, 0);
                long t0 = System.nanoTime();
                try {
                    trainer.train(new ModelTrainer.Job(Task.ALBEDO, String.format("bench%04d", run++), base, work.resolve("run" + run), t), data, quiet);
                } catch (IllegalStateException e) {
                    out.printf("%-10d %-6d %-12s %s%n", eb, micro, ck == 0 ? "end only" : "every " + ck, "failed: " + e.getMessage());
                    continue;
                }
                double s = (System.nanoTime() - t0) / 1e9;
                double samples = steps * (double) eb / s;
                if (Double.isNaN(baseline) && ck == 0) baseline = samples;
                out.printf("%-10d %-6d %-12s %9.1f %9.2f %11.1f %13.2fx%n", eb, micro, ck == 0 ? "end only" : "every " + ck,
                        s, steps / s, samples, samples / baseline);
                out.flush();
            }
        }
        return 0;
    }
}
