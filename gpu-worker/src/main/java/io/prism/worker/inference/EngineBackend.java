package io.prism.worker.inference;

import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Predictor;
import io.prism.engine.Predictors;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;
import io.prism.worker.TaskOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The shipped backend: Prism's DJL engine — its compact checkpoints and imported diffusers Marigold folders alike,
 * through {@link Predictors}. Any input encoding a model declares is served: the worker feeds each model its own
 * ({@link LoadedModel#inputEncoding()}).
 */
public final class EngineBackend implements InferenceBackend {
    private final String device;
    private final int threads;
    private final String dtype;

    public EngineBackend(String device, int threads) {
        this(device, threads, "fp32");
    }

    /** @param dtype "fp32" or "fp16" (GPU only) for imported diffusers models */
    public EngineBackend(String device, int threads, String dtype) {
        this.device = device;
        this.threads = threads;
        this.dtype = dtype;
    }

    @Override
    public String device() {
        return device;
    }

    @Override
    public void prepareThread() {
        io.prism.engine.Engines.pytorch(threads); // DensePredictor turns autograd off itself, on any thread
    }

    @Override
    public LoadedModel load(String task, int version, Path checkpointDir) throws Exception {
        Predictor p = Predictors.open(checkpointDir, task, device, threads, dtype); // verifies the files it reads
        if (!task.equals(p.task())) {
            p.close();
            throw new IllegalArgumentException("checkpoint " + checkpointDir + " is a " + p.task() + " model, registered as " + task + " v" + version);
        }
        return new EngineModel(task, version, p);
    }

    /** Engine options: the model's defaults with the configured overrides. */
    static PredictOptions options(Predictor predictor, TaskOptions o) {
        PredictOptions p = predictor.defaultOptions();
        if (o.steps() != null) p = p.withSteps(o.steps());
        if (o.ensembleSize() != null) p = p.withEnsembleSize(o.ensembleSize());
        if (o.processingResolution() != null) p = p.withProcessingResolution(o.processingResolution());
        if (o.tileSize() != null || o.tileOverlap() != null) {
            p = p.withTiling(o.tileSize() != null ? o.tileSize() : p.tileSize(), o.tileOverlap() != null ? o.tileOverlap() : p.tileOverlap());
        }
        if (o.seed() != null) p = p.withSeed(o.seed());
        return p;
    }

    private record EngineModel(String task, int version, Predictor predictor) implements LoadedModel {
        @Override
        public InputEncoding inputEncoding() {
            return predictor.inputEncoding();
        }

        @Override
        public List<TaskOutput> predict(List<FloatImage> batch, TaskOptions options) {
            PredictOptions po = options(predictor, options);
            List<Prediction> predictions = predictor.predict(batch, po);
            List<TaskOutput> out = new ArrayList<>(predictions.size());
            for (Prediction p : predictions) {
                Prediction.Stats s = p.stats();
                Map<String, Double> stats = new LinkedHashMap<>();
                stats.put("steps", (double) s.steps());
                stats.put("ensembleSize", (double) s.ensembleSize());
                stats.put("processedWidth", (double) s.processedWidth());
                stats.put("processedHeight", (double) s.processedHeight());
                stats.put("tiles", (double) s.tiles());
                stats.put("meanUncertainty", s.meanUncertainty());
                stats.put("mean", mean(p.result()));
                out.add(new TaskOutput(Predictors.withLayers(p), po.ensembleSize() > 1 ? p.uncertainty() : null, stats,
                        Predictors.preview(task, p.result())));
            }
            return out;
        }

        @Override
        public void close() {
            predictor.close();
        }
    }

    static double mean(FloatImage img) {
        double sum = 0;
        for (float[] p : img.planes()) for (float v : p) sum += v;
        return sum / Math.max(1, (double) img.width() * img.height() * img.channelCount());
    }
}
