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

    /**
     * Defaults for a small CPU run from fresh weights: 1000 steps of batch 8, AdamW at 1e-3 (weight decay 1e-4, 50
     * warm-up steps, cosine to 5 %, clip 1.0), 64² crops with flips, seeds 1/2/3, half the samples at the terminal
     * timestep, checkpoint / validate / visualise every 250 steps, a 4× codec with widths 32-64-64 and 8 groups at 128²,
     * resuming from {@code checkpoint-latest}. Callers change what differs with the with-methods.
     */
    public static TrainConfig defaults(String task, String outputDir) {
        return new TrainConfig(task, task + "-model", outputDir, 1000, 8, 1, 1e-3, 1e-4, 50, 0.05, 1.0,
                64, true, 1, 2, 3, 0.5, 250, 250, 250, 1, null, 4, List.of(32, 64, 64), 8, 128, 0, true, 0, null, 1);
    }

    public int effectiveBatch() {
        return microBatch * gradAccumulation;
    }

    public TrainConfig withName(String v) { return edit(d -> d.name = v); }
    public TrainConfig withOutputDir(String v) { return edit(d -> d.outputDir = v); }
    public TrainConfig withSteps(int v) { return edit(d -> d.steps = v); }
    /** Batch shape: samples per pass, passes per optimiser step. */
    public TrainConfig withBatch(int micro, int accumulation) { return edit(d -> { d.microBatch = micro; d.gradAccumulation = accumulation; }); }
    public TrainConfig withLearningRate(double v) { return edit(d -> d.learningRate = v); }
    public TrainConfig withWeightDecay(double v) { return edit(d -> d.weightDecay = v); }
    public TrainConfig withWarmupSteps(int v) { return edit(d -> d.warmupSteps = v); }
    public TrainConfig withMinLrFactor(double v) { return edit(d -> d.minLrFactor = v); }
    public TrainConfig withGradClip(double v) { return edit(d -> d.gradClip = v); }
    public TrainConfig withCropSize(int v) { return edit(d -> d.cropSize = v); }
    public TrainConfig withHorizontalFlip(boolean v) { return edit(d -> d.horizontalFlip = v); }
    /** The three seeds: training (noise, timesteps), validation (inference noise), data (order, crops, flips). */
    public TrainConfig withSeeds(long train, long validation, long data) {
        return edit(d -> { d.trainSeed = train; d.validationSeed = validation; d.dataSeed = data; });
    }
    public TrainConfig withTerminalFraction(double v) { return edit(d -> d.terminalFraction = v); }
    /** Periodic work: checkpoint, validation and visualisation intervals (0 = at the end only / never for PNGs). */
    public TrainConfig withEvery(int checkpoint, int validate, int visualise) {
        return edit(d -> { d.checkpointEvery = checkpoint; d.validateEvery = validate; d.visualiseEvery = visualise; });
    }
    public TrainConfig withValidationSteps(int v) { return edit(d -> d.validationSteps = v); }
    public TrainConfig withInitFrom(String v) { return edit(d -> d.initFrom = v); }
    /** A fresh model's shape: pixel-unshuffle factor, UNet level widths, GroupNorm groups. */
    public TrainConfig withArchitecture(int codecFactor, List<Integer> channels, int groups) {
        return edit(d -> { d.codecFactor = codecFactor; d.channels = channels; d.groups = groups; });
    }
    public TrainConfig withProcessingResolution(int v) { return edit(d -> d.processingResolution = v); }
    public TrainConfig withHaltAfterStep(int v) { return edit(d -> d.haltAfterStep = v); }
    public TrainConfig withResume(boolean v) { return edit(d -> d.resume = v); }
    public TrainConfig withThreads(int v) { return edit(d -> d.threads = v); }
    public TrainConfig withCommand(String v) { return edit(d -> d.command = v); }
    public TrainConfig withForegroundWeight(double v) { return edit(d -> d.foregroundWeight = v); }

    private TrainConfig edit(java.util.function.Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return d.build();
    }

    /** A mutable copy the with-methods change one setting of; {@link #build} validates through the constructor. */
    private static final class Draft {
        String task, name, outputDir, initFrom, command;
        int steps, microBatch, gradAccumulation, warmupSteps, cropSize, checkpointEvery, validateEvery, visualiseEvery,
                validationSteps, codecFactor, groups, processingResolution, haltAfterStep, threads;
        double learningRate, weightDecay, minLrFactor, gradClip, terminalFraction, foregroundWeight;
        long trainSeed, validationSeed, dataSeed;
        boolean horizontalFlip, resume;
        List<Integer> channels;

        Draft(TrainConfig c) {
            task = c.task; name = c.name; outputDir = c.outputDir; steps = c.steps; microBatch = c.microBatch;
            gradAccumulation = c.gradAccumulation; learningRate = c.learningRate; weightDecay = c.weightDecay;
            warmupSteps = c.warmupSteps; minLrFactor = c.minLrFactor; gradClip = c.gradClip; cropSize = c.cropSize;
            horizontalFlip = c.horizontalFlip; trainSeed = c.trainSeed; validationSeed = c.validationSeed; dataSeed = c.dataSeed;
            terminalFraction = c.terminalFraction; checkpointEvery = c.checkpointEvery; validateEvery = c.validateEvery;
            visualiseEvery = c.visualiseEvery; validationSteps = c.validationSteps; initFrom = c.initFrom;
            codecFactor = c.codecFactor; channels = c.channels; groups = c.groups; processingResolution = c.processingResolution;
            haltAfterStep = c.haltAfterStep; resume = c.resume; threads = c.threads; command = c.command;
            foregroundWeight = c.foregroundWeight;
        }

        TrainConfig build() {
            return new TrainConfig(task, name, outputDir, steps, microBatch, gradAccumulation, learningRate, weightDecay,
                    warmupSteps, minLrFactor, gradClip, cropSize, horizontalFlip, trainSeed, validationSeed, dataSeed,
                    terminalFraction, checkpointEvery, validateEvery, visualiseEvery, validationSteps, initFrom, codecFactor,
                    channels, groups, processingResolution, haltAfterStep, resume, threads, command, foregroundWeight);
        }
    }
}
