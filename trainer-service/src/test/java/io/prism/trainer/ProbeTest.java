package io.prism.trainer;

import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Style;
import io.prism.trainer.engine.EngineModelEvaluator;
import io.prism.trainer.engine.EngineModelTrainer;
import io.prism.trainer.run.LabeledFrame;
import io.prism.trainer.run.ModelTrainer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
    @Test
    void probe(@TempDir Path dir) throws Exception {
        int baseSteps = Integer.getInteger("probe.base", 150), ftSteps = Integer.getInteger("probe.ft", 60);
        long t0 = System.nanoTime();
        List<RenderedFrame> studio = Fixtures.render(Style.STUDIO, 100, 12, 32, 4);
        List<RenderedFrame> neon = Fixtures.render(Style.NEON, 500, 24, 32, 4);
        List<RenderedFrame> guard = Fixtures.render(Style.STUDIO, 900000, 4, 32, 4);
        System.out.printf("render %.1fs%n", (System.nanoTime() - t0) / 1e9);
        t0 = System.nanoTime();
        Path base = Fixtures.tinyAlbedoModel(dir.resolve("base"), studio, baseSteps);
        System.out.printf("base %d steps %.1fs%n", baseSteps, (System.nanoTime() - t0) / 1e9);
        List<LabeledFrame> train = neon.subList(0, 18).stream().map(f -> new LabeledFrame("n", f.beauty(), f.albedo())).toList();
        List<LabeledFrame> hold = neon.subList(18, 24).stream().map(f -> new LabeledFrame("n", f.beauty(), f.albedo())).toList();
        List<LabeledFrame> g = guard.stream().map(f -> new LabeledFrame("g", f.beauty(), f.albedo())).toList();
        List<LabeledFrame> shuffled = new java.util.ArrayList<>();
        for (int i = 0; i < 18; i++) shuffled.add(new LabeledFrame("s", neon.get(i).beauty(), neon.get((i + 7) % 18).albedo()));
        TrainerConfig.Training tr = new TrainerConfig.Training(ftSteps, 4, 2, Double.parseDouble(System.getProperty("probe.lr", "1e-3")), 5, 0, 20, 1, 3, 2, 0);
        TrainerConfig.Evaluation ev = new TrainerConfig.Evaluation(1234, 1, 1);
        EngineModelEvaluator e = new EngineModelEvaluator("cpu");
        for (var data : List.of(train, shuffled)) {
            t0 = System.nanoTime();
            Path runDir = dir.resolve("run" + System.nanoTime());
            ModelTrainer.Result r = new EngineModelTrainer().train(new ModelTrainer.Job("albedo", "12345678-probe", base, runDir, tr), data, new ModelTrainer.Progress() {
                public void started(int f, int t) { System.out.println("started " + f); }
                public void step(int s, int t, double l, double r) { System.out.printf("step %d loss %.4f %.2f/s%n", s, l, r); }
                public void checkpoint(int s, Path d) { System.out.println("ckpt " + s); }
            });
            System.out.printf("finetune %.1fs%n", (System.nanoTime() - t0) / 1e9);
            t0 = System.nanoTime();
            System.out.println("cand holdout " + e.evaluate("albedo", r.checkpoint(), hold, ev) + " guard " + e.evaluate("albedo", r.checkpoint(), g, ev));
            System.out.println("base holdout " + e.evaluate("albedo", base, hold, ev) + " guard " + e.evaluate("albedo", base, g, ev));
            System.out.printf("eval %.1fs%n", (System.nanoTime() - t0) / 1e9);
        }
    }
}
