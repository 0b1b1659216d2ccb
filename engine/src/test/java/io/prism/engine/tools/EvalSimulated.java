package io.prism.engine.tools;

import io.prism.engine.PredictOptions;
import io.prism.engine.eval.Evaluator;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.train.TrainingPair;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Scores a checkpoint on simulator frames: MODEL_DIR TASK STYLES FIRST_SEED COUNT [STEPS ENSEMBLE]. */
public final class EvalSimulated {
    public static void main(String[] a) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        Path model = Path.of(a[0]);
        List<TrainingPair> pairs = new ArrayList<>();
        for (String style : a[2].split(",")) {
            pairs.addAll(SimulatedPairs.render(a[1], style, Long.parseLong(a[3]), Integer.parseInt(a[4]), 1, 128, 8, 1));
        }
        PredictOptions o = PredictOptions.defaults(ModelCheckpoint.load(model).spec()).withSeed(0);
        if (a.length > 5) o = o.withSteps(Integer.parseInt(a[5]));
        if (a.length > 6) o = o.withEnsembleSize(Integer.parseInt(a[6]));
        System.out.println(model + " on " + a[2] + " seeds " + a[3] + "+" + a[4] + ": " + Evaluator.evaluate(model, pairs, o, "cpu"));
    }
}
