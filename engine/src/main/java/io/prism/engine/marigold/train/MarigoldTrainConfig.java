package io.prism.engine.marigold.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Everything a Marigold fine-tuning run depends on; stored in the run's checkpoint state and in the output's
 * {@value MarigoldTrainer#TRAINING_RECORD}.
 *
 * @param base                  diffusers folder to start from: a Marigold checkpoint (weights as they are) or a plain
 *                              Stable Diffusion 2 folder (conv_in / conv_out widened for the targets)
 * @param task                  the supervised target; "albedo"
 * @param name                  a name for logs and the training record
 * @param outputDir             run folder: checkpoint-latest/, model/ (the fine-tuned diffusers folder), visualisations/, train.log
 * @param steps                 optimiser steps in total
 * @param microBatch            samples per forward/backward pass (samples of different sizes run as separate passes)
 * @param gradAccumulation      micro-batches per optimiser step (effective batch = microBatch × gradAccumulation)
 * @param learningRate          peak AdamW learning rate (Marigold: 3e-5)
 * @param weightDecay           decoupled weight decay on conv / linear weights (not biases and norms)
 * @param warmupSteps           linear warm-up from 0 to the peak rate
 * @param minLrFactor           cosine decay ends at learningRate × this
 * @param gradClip              global gradient-norm clip (0 = off)
 * @param processingResolution  longest side pairs are resized to before encoding (0 = the checkpoint's default); latents
 *                              are cached per (pair, resolution, flip)
 * @param horizontalFlip        random horizontal flips (each flip is encoded once and cached too)
 * @param trainSeed             noise and timestep draws, and the starting model's pseudo-labels
 * @param validationSeed        validation inference noise and the holdout loss's fixed noise
 * @param dataSeed              sample order and flips
 * @param multiResNoiseStrength Marigold's multi-resolution noise (0 = plain Gaussian; Marigold: 0.9)
 * @param multiResNoiseAnnealed scale the strength by t / T per sample, as Marigold does
 * @param checkpointEvery       steps between checkpoints (0 = only at the end)
 * @param validateEvery         steps between validations (0 = only at the end)
 * @param visualiseEvery        steps between visualisation PNGs (0 = never)
 * @param validationSteps       denoising steps for validation predictions
 * @param haltAfterStep         stop after checkpointing at this step, to be resumed (0 = never)
 * @param resume                continue from outputDir/checkpoint-latest when it exists
 * @param threads               PyTorch threads (0 = default)
 * @param device                "cpu" or "gpu:N"
 * @param command               the command line that started the run, recorded with the model
 * @param gradientCheckpointing activation checkpointing per UNet block: one more forward pass per micro-batch for the
 *                              activation memory of all blocks but one (same gradients up to float summation order)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MarigoldTrainConfig(String base, String task, String name, String outputDir, int steps, int microBatch,
                                  int gradAccumulation, double learningRate, double weightDecay, int warmupSteps,
                                  double minLrFactor, double gradClip, int processingResolution, boolean horizontalFlip,
                                  long trainSeed, long validationSeed, long dataSeed, double multiResNoiseStrength,
                                  boolean multiResNoiseAnnealed, int checkpointEvery, int validateEvery, int visualiseEvery,
                                  int validationSteps, int haltAfterStep, boolean resume, int threads, String device,
                                  String command, boolean gradientCheckpointing) implements io.prism.engine.train.FineTuneLoop.Settings {

    public MarigoldTrainConfig {
        if (base == null) throw new IllegalArgumentException("base (a diffusers folder) is required");
        if (!"albedo".equals(task)) throw new IllegalArgumentException("Marigold fine-tuning supervises task albedo, got " + task);
        if (outputDir == null) throw new IllegalArgumentException("outputDir is required");
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1");
        if (microBatch < 1 || gradAccumulation < 1) throw new IllegalArgumentException("microBatch and gradAccumulation must be >= 1");
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0");
        if (processingResolution < 0) throw new IllegalArgumentException("processingResolution must be >= 0");
        if (multiResNoiseStrength < 0 || multiResNoiseStrength >= 1) {
            throw new IllegalArgumentException("multiResNoiseStrength must be in [0, 1), got " + multiResNoiseStrength);
        }
        if (validationSteps < 1) throw new IllegalArgumentException("validationSteps must be >= 1");
        name = name == null ? task + "-marigold-finetune" : name;
        device = device == null ? "cpu" : device;
    }

    /**
     * Marigold's recipe (lr 3e-5, warm-up, effective batch 32, multi-resolution noise 0.9 annealed, flips) at the
     * checkpoint's processing resolution; a CPU run shrinks steps and batch with the with-methods.
     */
    public static MarigoldTrainConfig defaults(String base, String outputDir) {
        return new MarigoldTrainConfig(base, "albedo", null, outputDir, 1000, 2, 16, 3e-5, 1e-2, 100, 0.01, 1.0, 0, true,
                1, 2, 3, 0.9, true, 250, 250, 250, 4, 0, true, 0, "cpu", null, false);
    }

    public int effectiveBatch() {
        return microBatch * gradAccumulation;
    }

    public MarigoldTrainConfig withSteps(int v) { return edit(d -> d.steps = v); }
    public MarigoldTrainConfig withHaltAfterStep(int v) { return edit(d -> d.haltAfterStep = v); }
    public MarigoldTrainConfig withOutputDir(String v) { return edit(d -> d.outputDir = v); }
    public MarigoldTrainConfig withBase(String v) { return edit(d -> d.base = v); }

    /** Batch shape: micro-batch, accumulation. */
    public MarigoldTrainConfig withBatch(int micro, int accumulation) {
        return edit(d -> { d.microBatch = micro; d.gradAccumulation = accumulation; });
    }

    /** Optimiser schedule: peak rate and warm-up. */
    public MarigoldTrainConfig withLearningRate(double lr, int warmup) {
        return edit(d -> { d.learningRate = lr; d.warmupSteps = warmup; });
    }

    /** Periodic work: checkpoint, validation and visualisation intervals (0 = at the end only / never for PNGs). */
    public MarigoldTrainConfig withEvery(int checkpoint, int validate, int visualise) {
        return edit(d -> { d.checkpointEvery = checkpoint; d.validateEvery = validate; d.visualiseEvery = visualise; });
    }

    /** The three seeds: training (noise, timesteps), validation (inference noise), data (order, flips). */
    public MarigoldTrainConfig withSeeds(long train, long validation, long data) {
        return edit(d -> { d.trainSeed = train; d.validationSeed = validation; d.dataSeed = data; });
    }

    public MarigoldTrainConfig withProcessingResolution(int v) { return edit(d -> d.processingResolution = v); }
    public MarigoldTrainConfig withThreads(int v) { return edit(d -> d.threads = v); }
    public MarigoldTrainConfig withCommand(String v) { return edit(d -> d.command = v); }

    /** Activation checkpointing per UNet block (for a UNet that does not fit at the wanted batch otherwise). */
    public MarigoldTrainConfig withGradientCheckpointing(boolean v) { return edit(d -> d.gradientCheckpointing = v); }

    private MarigoldTrainConfig edit(java.util.function.Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return d.build();
    }

    /** A mutable copy that the with-methods change and build back (through the validating constructor). */
    private static final class Draft {
        String base, task, name, outputDir, device, command;
        int steps, microBatch, gradAccumulation, warmupSteps, processingResolution, checkpointEvery, validateEvery,
                visualiseEvery, validationSteps, haltAfterStep, threads;
        double learningRate, weightDecay, minLrFactor, gradClip, multiResNoiseStrength;
        boolean horizontalFlip, multiResNoiseAnnealed, resume, gradientCheckpointing;
        long trainSeed, validationSeed, dataSeed;

        Draft(MarigoldTrainConfig c) {
            base = c.base; task = c.task; name = c.name; outputDir = c.outputDir; steps = c.steps;
            microBatch = c.microBatch; gradAccumulation = c.gradAccumulation; learningRate = c.learningRate;
            weightDecay = c.weightDecay; warmupSteps = c.warmupSteps; minLrFactor = c.minLrFactor;
            gradClip = c.gradClip; processingResolution = c.processingResolution; horizontalFlip = c.horizontalFlip;
            trainSeed = c.trainSeed; validationSeed = c.validationSeed; dataSeed = c.dataSeed;
            multiResNoiseStrength = c.multiResNoiseStrength; multiResNoiseAnnealed = c.multiResNoiseAnnealed;
            checkpointEvery = c.checkpointEvery; validateEvery = c.validateEvery; visualiseEvery = c.visualiseEvery;
            validationSteps = c.validationSteps; haltAfterStep = c.haltAfterStep; resume = c.resume;
            threads = c.threads; device = c.device; command = c.command;
            gradientCheckpointing = c.gradientCheckpointing;
        }

        MarigoldTrainConfig build() {
            return new MarigoldTrainConfig(
                    base, task, name, outputDir, steps, microBatch, gradAccumulation, learningRate, weightDecay,
                    warmupSteps, minLrFactor, gradClip, processingResolution, horizontalFlip, trainSeed, validationSeed,
                    dataSeed, multiResNoiseStrength, multiResNoiseAnnealed, checkpointEvery, validateEvery,
                    visualiseEvery, validationSteps, haltAfterStep, resume, threads, device, command,
                    gradientCheckpointing);
        }
    }
}
