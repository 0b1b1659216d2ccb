package io.prism.trainer.engine;

import io.prism.engine.Predictor;
import io.prism.engine.Predictors;
import io.prism.engine.PredictOptions;
import io.prism.engine.eval.Evaluator;
import io.prism.engine.train.TrainingPair;
import io.prism.trainer.TrainerConfig;
import io.prism.trainer.run.LabeledFrame;
import io.prism.trainer.run.ModelEvaluator;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a checkpoint (compact or diffusers Marigold folder) with the engine's {@link Evaluator} at the model's own
 * processing resolution, with the gate's fixed seed, steps and ensemble size — identical for every model it is asked
 * about.
 */
public final class EngineModelEvaluator implements ModelEvaluator {
    private final String device;

    public EngineModelEvaluator(String device) {
        this.device = device;
    }

    @Override
    public Map<String, Double> evaluate(String task, Path checkpoint, List<LabeledFrame> frames, TrainerConfig.Evaluation s) throws Exception {
        List<TrainingPair> pairs = frames.stream().map(f -> new TrainingPair(f.id(), f.beauty(), f.target())).toList();
        try (Predictor p = Predictors.open(checkpoint, task, device, 0, "fp32")) {
            if (!p.task().equals(task)) {
                throw new IllegalArgumentException(checkpoint + " is a " + p.task() + " model, not " + task);
            }
            PredictOptions o = p.defaultOptions().withSteps(s.steps()).withEnsembleSize(s.ensemble()).withSeed(s.seed());
            Map<String, Double> m = new LinkedHashMap<>(Evaluator.evaluate(p, pairs, o).asMap());
            m.keySet().removeIf(k -> k.startsWith("baseline_") || k.equals("images"));
            return m;
        }
    }
}
