package io.prism.engine.train;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * Everything a training run depends on; stored in the run's state and in the model's training record.
 *
 * @param task               "albedo" or "mask"
 * @param name               model name written to model.json (e.g. "albedo-v1")
 * @param outputDir          run folder: checkpoint-latest/, model/, visualisations/, train.log
 * @param steps              optimiser steps in total
 * @param microBatch         samples per forward/backward pass
 * @param gradAccumulation   micro-batches per optimiser step (effective batch = microBatch × gradAccumulation)
 * @param learningRate       peak AdamW learning rate
 * @param weightDecay        decoupled weight decay (not applied to biases and norm parameters)
 * @param warmupSteps        linear warm-up from 0 to the peak rate
 * @param minLrFactor        cosine decay ends at learningRate × this
 * @param gradClip           global gradient-norm clip (0 = off)
 * @param cropSize           random square crops of this size from processed frames (0 = whole frame)
 * @param horizontalFlip     random horizontal flips
 * @param trainSeed          noise and timestep draws
 * @param validationSeed     validation inference noise
 * @param dataSeed           sample order, crops and flips
 * @param terminalFraction   share of samples trained at the last timestep (the one 1-step trailing inference uses)
 * @param checkpointEvery    steps between checkpoints (0 = only at the end)
 * @param validateEvery      steps between validations (0 = only at the end)
 * @param visualiseEvery     steps between visualisation PNGs (0 = never)
 * @param validationSteps    denoising steps used for validation
 * @param initFrom           checkpoint to fine-tune from (null = fresh weights); conv_in with fewer input
 *                           channels is expanded by duplicate-and-divide
 * @param codecFactor        fresh models: pixel-unshuffle factor
 * @param channels           fresh models: UNet level widths
 * @param groups             fresh models: GroupNorm groups
 * @param processingResolution longest side the model works at (training frames are resized to it)
 * @param haltAfterStep      stop (after checkpointing) once this step is reached, to be resumed later (0 = never)
 * @param resume             continue from outputDir/checkpoint-latest when it exists
 * @param threads            PyTorch threads (0 = default)
 * @param command            the command line that started the run, recorded in model.json
 * @param foregroundWeight   masks: loss weight of foreground (glass) pixels relative to background, against the
 *                           class imbalance of small transparent objects (≤ 0 means 1)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TrainConfig(String task, String name, String outputDir, int steps, int microBatch, int gradAccumulation,
                          double learningRate, double weightDecay, int warmupSteps, double minLrFactor, double gradClip,
                          int cropSize, boolean horizontalFlip, long trainSeed, long validationSeed, long dataSeed,
                          double terminalFraction, int checkpointEvery, int validateEvery, int visualiseEvery,
                          int validationSteps, String initFrom, int codecFactor, List<Integer> channels, int groups,
                          int processingResolution, int haltAfterStep, boolean resume, int threads, String command,
                          double foregroundWeight) {

    public TrainConfig {
        if (!"albedo".equals(task) && !"mask".equals(task)) throw new IllegalArgumentException("task must be albedo or mask, got " + task);
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1");
        if (microBatch < 1 || gradAccumulation < 1) throw new IllegalArgumentException("microBatch and gradAccumulation must be >= 1");
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0");
        if (outputDir == null) throw new IllegalArgumentException("outputDir is required");
        if (terminalFraction < 0 || terminalFraction > 1) throw new IllegalArgumentException("terminalFraction must be in [0, 1]");
        channels = channels == null ? List.of(32, 64, 64) : List.copyOf(channels);
        name = name == null ? task + "-model" : name;
        foregroundWeight = foregroundWeight > 0 ? foregroundWeight : 1;
    }

    /** Without a foreground weight (1: masks weigh glass and background alike). */
    public TrainConfig(String task, String name, String outputDir, int steps, int microBatch, int gradAccumulation,
                       double learningRate, double weightDecay, int warmupSteps, double minLrFactor, double gradClip,
                       int cropSize, boolean horizontalFlip, long trainSeed, long validationSeed, long dataSeed,
                       double terminalFraction, int checkpointEvery, int validateEvery, int visualiseEvery,
                       int validationSteps, String initFrom, int codecFactor, List<Integer> channels, int groups,
                       int processingResolution, int haltAfterStep, boolean resume, int threads, String command) {
        this(task, name, outputDir, steps, microBatch, gradAccumulation, learningRate, weightDecay, warmupSteps, minLrFactor,
                gradClip, cropSize, horizontalFlip, trainSeed, validationSeed, dataSeed, terminalFraction, checkpointEvery,
                validateEvery, visualiseEvery, validationSteps, initFrom, codecFactor, channels, groups, processingResolution,
                haltAfterStep, resume, threads, command, 1);
    }

    /** Defaults for a small CPU run. */
    public static TrainConfig defaults(String task, String outputDir) {
        return new TrainConfig(task, task + "-model", outputDir, 1000, 8, 1, 1e-3, 1e-4, 50, 0.05, 1.0,
                64, true, 1, 2, 3, 0.5, 250, 250, 250, 1, null, 4, List.of(32, 64, 64), 8, 128, 0, true, 0, null, 1);
    }

    public int effectiveBatch() {
        return microBatch * gradAccumulation;
    }

    public TrainConfig withSteps(int v) { return copy(v, haltAfterStep, outputDir, initFrom, learningRate, command); }
    public TrainConfig withHaltAfterStep(int v) { return copy(steps, v, outputDir, initFrom, learningRate, command); }
    public TrainConfig withOutputDir(String v) { return copy(steps, haltAfterStep, v, initFrom, learningRate, command); }
    public TrainConfig withInitFrom(String v) { return copy(steps, haltAfterStep, outputDir, v, learningRate, command); }
    public TrainConfig withLearningRate(double v) { return copy(steps, haltAfterStep, outputDir, initFrom, v, command); }
    public TrainConfig withCommand(String v) { return copy(steps, haltAfterStep, outputDir, initFrom, learningRate, v); }

    private TrainConfig copy(int st, int halt, String out, String init, double lr, String cmd) {
        return new TrainConfig(task, name, out, st, microBatch, gradAccumulation, lr, weightDecay, warmupSteps, minLrFactor,
                gradClip, cropSize, horizontalFlip, trainSeed, validationSeed, dataSeed, terminalFraction, checkpointEvery,
                validateEvery, visualiseEvery, validationSteps, init, codecFactor, channels, groups, processingResolution,
                halt, resume, threads, cmd, foregroundWeight);
    }
}
