package io.prism.engine.cli;

import io.prism.engine.Engines;
import io.prism.engine.marigold.train.MarigoldTrainConfig;
import io.prism.engine.marigold.train.MarigoldTrainer;
import io.prism.engine.transparency.TransparencyPredictor;
import io.prism.engine.transparency.train.TransparencyTrainConfig;
import io.prism.engine.transparency.train.TransparencyTrainer;
import io.prism.engine.train.ExrFolderPairDataset;
import io.prism.engine.train.TrainConfig;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;

/**
 * {@code prism train}: trains or fine-tunes an albedo / mask model on EXR frames with ground-truth layers — a compact
 * model ({@link Trainer}), or with {@code --base} the UNet of a diffusers Marigold / Stable Diffusion 2 folder
 * ({@link MarigoldTrainer}).
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train or fine-tune a dense-prediction model on EXR frames (beauty R,G,B + albedo.R/G/B or mask.Y).")
public final class TrainCommand implements Callable<Integer> {
    @Spec CommandSpec spec;

    @Option(names = "--task", required = true, description = "albedo or mask") String task;
    @Option(names = "--data", required = true, split = ",", description = "training folder(s) of EXR frames") List<Path> data;
    @Option(names = "--val-data", split = ",", description = "validation folder(s) (frames never used in training)") List<Path> valData;
    @Option(names = "--out", required = true, description = "run folder (checkpoints, final model in OUT/model)") Path out;
    @Option(names = "--name", description = "model name (default: TASK-model)") String name;
    @Option(names = "--init-from", description = "checkpoint to fine-tune from") Path initFrom;
    @Option(names = "--steps", defaultValue = "1000") int steps;
    @Option(names = "--batch", defaultValue = "8", description = "micro-batch") int batch;
    @Option(names = "--grad-accum", defaultValue = "1", description = "micro-batches per optimiser step") int gradAccum;
    @Option(names = "--base", description = "diffusers folder to fine-tune: a Marigold checkpoint (as it is) or a Stable Diffusion 2 "
            + "folder (conv_in/conv_out widened), its UNet the Marigold way; or, with --task mask, an SD3 transparency folder "
            + "(its transformer, rectified flow or one-step end-to-end); output OUT/model is a diffusers folder") Path base;
    @Option(names = "--multires-noise", defaultValue = "0.9", description = "--base: Marigold's multi-resolution noise strength "
            + "(0 = Gaussian), annealed with the timestep") double multiResNoise;
    @Option(names = "--widen", description = "--task mask with an SD3.5 base (transformer in 16): widen its patch projection to "
            + "[image ‖ mask] latents, 'random' (the reference) or 'duplicate' (copies halved)") String widen;
    @Option(names = "--device", defaultValue = "cpu", description = "--base: cpu or gpu:N") String device;
    @Option(names = "--lr", description = "peak learning rate (default 1e-3; with --base 3e-5)") Double lr;
    @Option(names = "--weight-decay", defaultValue = "1e-4") double weightDecay;
    @Option(names = "--warmup", defaultValue = "50") int warmup;
    @Option(names = "--crop", defaultValue = "64", description = "random crop size (0 = whole frames)") int crop;
    @Option(names = "--no-flip", description = "no random horizontal flips") boolean noFlip;
    @Option(names = "--seed-train", defaultValue = "1") long seedTrain;
    @Option(names = "--seed-val", defaultValue = "2") long seedVal;
    @Option(names = "--seed-data", defaultValue = "3") long seedData;
    @Option(names = "--terminal-fraction", defaultValue = "0.5", description = "share of samples at the last timestep") double terminal;
    @Option(names = "--checkpoint-every", defaultValue = "250") int checkpointEvery;
    @Option(names = "--validate-every", defaultValue = "250") int validateEvery;
    @Option(names = "--visualise-every", defaultValue = "250") int visualiseEvery;
    @Option(names = "--validation-steps", defaultValue = "1") int validationSteps;
    @Option(names = "--codec-factor", defaultValue = "4") int codecFactor;
    @Option(names = "--channels", split = ",", defaultValue = "32,64,64") List<Integer> channels;
    @Option(names = "--groups", defaultValue = "8") int groups;
    @Option(names = "--resolution", description = "processing resolution, longest side (default 128; with --base the checkpoint's)")
    Integer resolution;
    @Option(names = "--halt-after", defaultValue = "0", description = "stop after this step (resume later)") int haltAfter;
    @Option(names = "--no-resume", description = "ignore an existing checkpoint in OUT") boolean noResume;
    @Option(names = "--threads", defaultValue = "0") int threads;
    @Option(names = "--gradient-checkpointing", description = "with --base: recompute each UNet block in the backward pass "
            + "(one more forward pass, the activation memory of one block)") boolean gradientCheckpointing;
    @Option(names = "--foreground-weight", defaultValue = "1", description = "masks: loss weight of glass pixels") double foregroundWeight;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        Engines.pytorch(threads);
        String command = "prism train " + String.join(" ", spec.commandLine().getParseResult().originalArgs());
        ExrFolderPairDataset train = new ExrFolderPairDataset(data, task);
        List<TrainingPair> val = valData == null ? List.of() : new ExrFolderPairDataset(valData, task).all();
        if (base != null && TransparencyPredictor.isSd3Folder(base)) {
            if (!task.equals("mask")) throw new IllegalArgumentException(base + " is an SD3 transparency folder: it trains task mask, not " + task);
            TransparencyTrainConfig cfg = new TransparencyTrainConfig(base.toString(), name, out.toString(), steps, batch, gradAccum,
                    lr == null ? 5e-6 : lr, weightDecay, warmup, 0.05, 1.0, resolution == null ? 0 : resolution, seedTrain, seedVal,
                    seedData, checkpointEvery, validationSteps, haltAfter, !noResume, threads, device, command, widen);
            TransparencyTrainer.Result r = new TransparencyTrainer(cfg, System.out).train(train, val);
            System.out.println(r.finished() ? "model: " + r.modelDir() + (r.after() == null ? "" : "\n" + r.after())
                    : "halted at step " + r.step() + "; checkpoint " + r.checkpointDir());
            return 0;
        }
        if (base != null) {
            MarigoldTrainConfig cfg = new MarigoldTrainConfig(base.toString(), task, name, out.toString(), steps, batch, gradAccum,
                    lr == null ? 3e-5 : lr, weightDecay, warmup, 0.05, 1.0, resolution == null ? 0 : resolution, !noFlip,
                    seedTrain, seedVal, seedData, multiResNoise, true, checkpointEvery, validateEvery, visualiseEvery,
                    validationSteps, haltAfter, !noResume, threads, device, command, gradientCheckpointing);
            MarigoldTrainer.Result r = new MarigoldTrainer(cfg, System.out).train(train, val);
            System.out.println(r.finished() ? "model: " + r.modelDir() + (r.metrics() == null ? "" : "\n" + r.metrics())
                    : "halted at step " + r.step() + "; checkpoint " + r.checkpointDir());
            return 0;
        }
        TrainConfig cfg = TrainConfig.defaults(task, out.toString()).withName(name).withSteps(steps).withBatch(batch, gradAccum)
                .withLearningRate(lr == null ? 1e-3 : lr).withWeightDecay(weightDecay).withWarmupSteps(warmup)
                .withCropSize(crop).withHorizontalFlip(!noFlip).withSeeds(seedTrain, seedVal, seedData).withTerminalFraction(terminal)
                .withEvery(checkpointEvery, validateEvery, visualiseEvery).withValidationSteps(validationSteps)
                .withInitFrom(initFrom == null ? null : initFrom.toString()).withArchitecture(codecFactor, channels, groups)
                .withProcessingResolution(resolution == null ? 128 : resolution).withHaltAfterStep(haltAfter)
                .withResume(!noResume).withThreads(threads).withCommand(command).withForegroundWeight(foregroundWeight);
        Trainer.Result r = new Trainer(cfg, System.out).train(train, val);
        System.out.println(r.finished() ? "model: " + r.modelDir() + (r.metrics() == null ? "" : "\n" + r.metrics())
                : "halted at step " + r.step() + "; checkpoint " + r.checkpointDir());
        return 0;
    }
}
