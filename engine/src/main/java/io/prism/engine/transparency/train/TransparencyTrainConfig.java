package io.prism.engine.transparency.train;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * Everything a fine-tuning run of the SD3 transparency transformer depends on; stored in the run's checkpoint state and
 * in the output's training record. The variant follows the base's transformer: in_channels = 2 × latent channels →
 * rectified flow (diffusion-ft), in_channels = latent channels → one step at t = 1000 (end-to-end).
 *
 * @param base                 SD3-layout folder to start from (transformer/, vae/, scheduler/, conditioning)
 * @param name                 a name for logs and the training record
 * @param outputDir            run folder: checkpoint-latest/, model/ (the fine-tuned folder), train.log
 * @param steps                optimiser steps in total
 * @param microBatch           samples per forward/backward pass (samples of different sizes run as separate passes)
 * @param gradAccumulation     micro-batches per optimiser step (effective batch = microBatch × gradAccumulation)
 * @param learningRate         peak AdamW learning rate (the reference: 5e-6 × batch scaling)
 * @param weightDecay          decoupled weight decay on matrices (not biases, norms, the position table)
 * @param warmupSteps          linear warm-up from 0 to the peak rate
 * @param minLrFactor          cosine decay ends at learningRate × this
 * @param gradClip             global gradient-norm clip (0 = off)
 * @param processingResolution longest side pairs are resized to before encoding (0 = the base's: model_index.json's
 *                             default_processing_resolution, else 1024, the reference's size)
 * @param trainSeed            timestep and noise draws
 * @param validationSeed       the holdout objective's fixed noise and validation inference noise
 * @param dataSeed             sample order
 * @param checkpointEvery      steps between checkpoints (0 = only at the end)
 * @param validationSteps      Euler steps of validation predictions (ignored by the end-to-end variant)
 * @param haltAfterStep        stop after checkpointing at this step, to be resumed (0 = never)
 * @param resume               continue from outputDir/checkpoint-latest when it exists
 * @param threads              PyTorch threads (0 = default)
 * @param device               "cpu" or "gpu:N"
 * @param command              the command line that started the run, recorded with the model
 * @param widen                for a base whose transformer takes only the latent (an SD3.5 base, in_channels C): train the
 *                             rectified-flow variant with the patch projection widened to 2C inputs — "random" (the
 *                             reference: the whole widened pos_embed.proj.weight at Conv2d's default init, bias kept) or
 *                             "duplicate" (Marigold's: input channel j = pretrained channel j mod C, halved); null: the
 *                             base's transformer as it is (a C-input base then trains the one-step end-to-end variant)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record TransparencyTrainConfig(String base, String name, String outputDir, int steps, int microBatch, int gradAccumulation,
                                      double learningRate, double weightDecay, int warmupSteps, double minLrFactor, double gradClip,
                                      int processingResolution, long trainSeed, long validationSeed, long dataSeed,
                                      int checkpointEvery, int validationSteps, int haltAfterStep, boolean resume, int threads,
                                      String device, String command, String widen) implements io.prism.engine.train.FineTuneLoop.Settings {

    public TransparencyTrainConfig {
        if (base == null) throw new IllegalArgumentException("base (an SD3 transparency folder) is required");
        if (outputDir == null) throw new IllegalArgumentException("outputDir is required");
        if (steps < 1) throw new IllegalArgumentException("steps must be >= 1");
        if (microBatch < 1 || gradAccumulation < 1) throw new IllegalArgumentException("microBatch and gradAccumulation must be >= 1");
        if (!(learningRate > 0)) throw new IllegalArgumentException("learningRate must be > 0");
        if (processingResolution < 0) throw new IllegalArgumentException("processingResolution must be >= 0");
        if (validationSteps < 1) throw new IllegalArgumentException("validationSteps must be >= 1");
        name = name == null ? "mask-sd3-finetune" : name;
        device = device == null ? "cpu" : device;
        if (widen != null && !widen.equals("random") && !widen.equals("duplicate")) {
            throw new IllegalArgumentException("widen must be random or duplicate, got " + widen);
        }
    }

    /** The reference's recipe where it fits a Java run (lr 5e-6, batch 1 × 16, 1024 px); a CPU run shrinks it with the with-methods. */
    public static TransparencyTrainConfig defaults(String base, String outputDir) {
        return new TransparencyTrainConfig(base, null, outputDir, 1000, 1, 16, 5e-6, 1e-2, 100, 0.01, 1.0, 0, 1, 2, 3, 250, 4, 0,
                true, 0, "cpu", null, null);
    }

    public int effectiveBatch() {
        return microBatch * gradAccumulation;
    }

    public TransparencyTrainConfig withSteps(int v) { return edit(d -> d.steps = v); }

    public TransparencyTrainConfig withBatch(int micro, int accumulation) {
        return edit(d -> { d.microBatch = micro; d.gradAccumulation = accumulation; });
    }

    public TransparencyTrainConfig withLearningRate(double lr, int warmup) {
        return edit(d -> { d.learningRate = lr; d.warmupSteps = warmup; });
    }

    public TransparencyTrainConfig withProcessingResolution(int v) { return edit(d -> d.processingResolution = v); }

    public TransparencyTrainConfig withSeeds(long train, long validation, long data) {
        return edit(d -> { d.trainSeed = train; d.validationSeed = validation; d.dataSeed = data; });
    }

    public TransparencyTrainConfig withCheckpointEvery(int v) { return edit(d -> d.checkpointEvery = v); }
    public TransparencyTrainConfig withValidationSteps(int v) { return edit(d -> d.validationSteps = v); }
    public TransparencyTrainConfig withHaltAfterStep(int v) { return edit(d -> d.haltAfterStep = v); }
    public TransparencyTrainConfig withThreads(int v) { return edit(d -> d.threads = v); }
    public TransparencyTrainConfig withDevice(String v) { return edit(d -> d.device = v); }
    public TransparencyTrainConfig withCommand(String v) { return edit(d -> d.command = v); }
    public TransparencyTrainConfig withWiden(String v) { return edit(d -> d.widen = v); }

    private TransparencyTrainConfig edit(java.util.function.Consumer<Draft> change) {
        Draft d = new Draft(this);
        change.accept(d);
        return d.build();
    }

    /** A mutable copy that the with-methods change and build back (through the validating constructor). */
    private static final class Draft {
        String base, name, outputDir, device, command, widen;
        int steps, microBatch, gradAccumulation, warmupSteps, processingResolution, checkpointEvery, validationSteps,
                haltAfterStep, threads;
        double learningRate, weightDecay, minLrFactor, gradClip;
        long trainSeed, validationSeed, dataSeed;
        boolean resume;

        Draft(TransparencyTrainConfig c) {
            base = c.base; name = c.name; outputDir = c.outputDir; steps = c.steps; microBatch = c.microBatch;
            gradAccumulation = c.gradAccumulation; learningRate = c.learningRate; weightDecay = c.weightDecay;
            warmupSteps = c.warmupSteps; minLrFactor = c.minLrFactor; gradClip = c.gradClip;
            processingResolution = c.processingResolution; trainSeed = c.trainSeed; validationSeed = c.validationSeed;
            dataSeed = c.dataSeed; checkpointEvery = c.checkpointEvery; validationSteps = c.validationSteps;
            haltAfterStep = c.haltAfterStep; resume = c.resume; threads = c.threads; device = c.device;
            command = c.command; widen = c.widen;
        }

        TransparencyTrainConfig build() {
            return new TransparencyTrainConfig(
                    base, name, outputDir, steps, microBatch, gradAccumulation, learningRate, weightDecay, warmupSteps,
                    minLrFactor, gradClip, processingResolution, trainSeed, validationSeed, dataSeed, checkpointEvery,
                    validationSteps, haltAfterStep, resume, threads, device, command, widen);
        }
    }
}
