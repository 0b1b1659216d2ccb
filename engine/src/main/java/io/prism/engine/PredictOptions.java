package io.prism.engine;

import io.prism.engine.image.Resample;
import io.prism.engine.model.ModelSpec;

/**
 * Inference settings.
 *
 * @param steps                denoising steps (Marigold-IID: 4; trailing one-step works as well, E2E-FT)
 * @param ensembleSize         members per image, each from its own seeded noise
 * @param processingResolution longest side the model works at; 0 = native size
 * @param resample             filter for resizing to the processing resolution and back
 * @param reduction            median (uncertainty = MAD) or mean (uncertainty = std); masks always use the mean
 * @param seed                 base seed; results are identical for the same seed, inputs and options
 * @param tileSize             frames whose processed size exceeds this are predicted in overlapping tiles; 0 = never
 * @param tileOverlap          overlap between tiles in processed pixels
 * @param batchSize            members per forward pass; 0 = chosen from available memory
 */
public record PredictOptions(int steps, int ensembleSize, int processingResolution, Resample resample, Reduction reduction,
                             long seed, int tileSize, int tileOverlap, int batchSize) {

    public PredictOptions {
        if (steps < 1 || steps > 1000) throw new IllegalArgumentException("steps must be in 1..1000, got " + steps);
        if (ensembleSize < 1 || ensembleSize > 256) throw new IllegalArgumentException("ensembleSize must be in 1..256, got " + ensembleSize);
        if (processingResolution < 0) throw new IllegalArgumentException("processingResolution must be >= 0, got " + processingResolution);
        if (tileSize < 0 || tileOverlap < 0) throw new IllegalArgumentException("tile size and overlap must be >= 0");
        if (tileSize > 0 && tileOverlap * 2 >= tileSize) throw new IllegalArgumentException("tileOverlap must be < tileSize / 2");
        if (batchSize < 0) throw new IllegalArgumentException("batchSize must be >= 0 (0 = automatic)");
        if (resample == null || reduction == null) throw new IllegalArgumentException("resample and reduction are required");
    }

    /** The model's defaults from model.json, seed 0, tiles of 4× the processing resolution, automatic batch. */
    public static PredictOptions defaults(ModelSpec spec) {
        ModelSpec.Inference i = spec.inference();
        int res = i.processingResolution();
        return new PredictOptions(i.steps(), i.ensembleSize(), res, Resample.parse(i.resample()), Reduction.parse(i.reduction()),
                0L, res > 0 ? 0 : 512, 32, 0);
    }

    public PredictOptions withSteps(int v) { return new PredictOptions(v, ensembleSize, processingResolution, resample, reduction, seed, tileSize, tileOverlap, batchSize); }
    public PredictOptions withEnsembleSize(int v) { return new PredictOptions(steps, v, processingResolution, resample, reduction, seed, tileSize, tileOverlap, batchSize); }
    public PredictOptions withProcessingResolution(int v) { return new PredictOptions(steps, ensembleSize, v, resample, reduction, seed, tileSize, tileOverlap, batchSize); }
    public PredictOptions withResample(Resample v) { return new PredictOptions(steps, ensembleSize, processingResolution, v, reduction, seed, tileSize, tileOverlap, batchSize); }
    public PredictOptions withReduction(Reduction v) { return new PredictOptions(steps, ensembleSize, processingResolution, resample, v, seed, tileSize, tileOverlap, batchSize); }
    public PredictOptions withSeed(long v) { return new PredictOptions(steps, ensembleSize, processingResolution, resample, reduction, v, tileSize, tileOverlap, batchSize); }
    public PredictOptions withTiling(int size, int overlap) { return new PredictOptions(steps, ensembleSize, processingResolution, resample, reduction, seed, size, overlap, batchSize); }
    public PredictOptions withBatchSize(int v) { return new PredictOptions(steps, ensembleSize, processingResolution, resample, reduction, seed, tileSize, tileOverlap, v); }
}
