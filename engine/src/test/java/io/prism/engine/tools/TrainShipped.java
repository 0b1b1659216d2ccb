package io.prism.engine.tools;

import io.prism.engine.eval.Evaluator;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.TrainConfig;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Trains a shipped default model on frames rendered in memory by the synthetic farm (the renders
 * {@code prism simulate --style S --seed N -W 128 -H 128 -s 16} writes), then scores it on held-out seeds.
 * Arguments are key=value:
 * task, name, out, styles (comma list), seeds (FIRST:COUNT), frames, size, spp, valSeeds, holdoutSeeds, steps,
 * batch, accum, lr, warmup, crop, channels, factor (codec), initFrom, threads, validateEvery, foregroundWeight, terminal.
 */
public final class TrainShipped {
    public static void main(String[] args) throws Exception {
        System.setProperty("ai.djl.offline", "true");
        Map<String, String> a = new LinkedHashMap<>();
        for (String s : args) {
            int i = s.indexOf('=');
            a.put(s.substring(0, i), s.substring(i + 1));
        }
        String task = a.get("task");
        List<String> styles = List.of(a.getOrDefault("styles", "studio").split(","));
        String[] seeds = a.getOrDefault("seeds", "1000:150").split(":");
        String[] valSeeds = a.getOrDefault("valSeeds", "8000:8").split(":");
        String[] holdout = a.getOrDefault("holdoutSeeds", "9000:16").split(":");
        int frames = Integer.parseInt(a.getOrDefault("frames", "2"));
        int size = Integer.parseInt(a.getOrDefault("size", "128"));
        int spp = Integer.parseInt(a.getOrDefault("spp", "16"));
        int threads = Integer.parseInt(a.getOrDefault("threads", "1"));
        io.prism.engine.Engines.pytorch(threads);     // PyTorch fixes its thread count when it starts: set it first
        List<TrainingPair> train = new ArrayList<>(), val = new ArrayList<>(), test = new ArrayList<>();
        List<String> desc = new ArrayList<>();
        long t0 = System.nanoTime();
        for (String style : styles) {
            train.addAll(SimulatedPairs.render(task, style, Long.parseLong(seeds[0]), Integer.parseInt(seeds[1]), frames, size, spp, threads));
            val.addAll(SimulatedPairs.render(task, style, Long.parseLong(valSeeds[0]), Integer.parseInt(valSeeds[1]), 1, size, spp, threads));
            test.addAll(SimulatedPairs.render(task, style, Long.parseLong(holdout[0]), Integer.parseInt(holdout[1]), 1, size, spp, threads));
            desc.add(SimulatedPairs.describe(style, Long.parseLong(seeds[0]), Integer.parseInt(seeds[1]), frames, size, spp));
        }
        System.out.printf("rendered %d training, %d validation, %d holdout frames in %.0f s%n", train.size(), val.size(),
                test.size(), (System.nanoTime() - t0) / 1e9);
        Evaluator.Result before = null;
        if (a.get("initFrom") != null) {
            Path parent = Path.of(a.get("initFrom"));
            before = Evaluator.evaluate(parent, test, io.prism.engine.PredictOptions.defaults(ModelCheckpoint.load(parent).spec()).withSeed(0), "cpu");
            System.out.println("holdout before fine-tuning: " + before);
        }
        List<Integer> channels = new ArrayList<>();
        for (String c : a.getOrDefault("channels", "32,64,64").split(",")) channels.add(Integer.parseInt(c));
        int steps = Integer.parseInt(a.getOrDefault("steps", "3000"));
        String command = "java -cp <engine test classpath> io.prism.engine.tools.TrainShipped " + String.join(" ", args);
        int validateEvery = Integer.parseInt(a.getOrDefault("validateEvery", "500"));
        TrainConfig cfg = TrainConfig.defaults(task, a.get("out")).withName(a.getOrDefault("name", task + "-v1")).withSteps(steps)
                .withBatch(Integer.parseInt(a.getOrDefault("batch", "8")), Integer.parseInt(a.getOrDefault("accum", "1")))
                .withLearningRate(Double.parseDouble(a.getOrDefault("lr", "1e-3")))
                .withWarmupSteps(Integer.parseInt(a.getOrDefault("warmup", "100")))
                .withCropSize(Integer.parseInt(a.getOrDefault("crop", "64")))
                .withTerminalFraction(Double.parseDouble(a.getOrDefault("terminal", "0.5")))
                .withEvery(250, validateEvery, validateEvery).withInitFrom(a.get("initFrom"))
                .withArchitecture(Integer.parseInt(a.getOrDefault("factor", "4")), channels, 8).withProcessingResolution(size)
                .withThreads(threads).withCommand(command)
                .withForegroundWeight(Double.parseDouble(a.getOrDefault("foregroundWeight", "1")));
        Trainer.Result r = new Trainer(cfg, System.out).train(PairDataset.of(train, String.join("; ", desc)), val);
        // score on the holdout (seeds never used in training or validation) and record it in model.json
        ModelCheckpoint ck = ModelCheckpoint.load(r.modelDir());
        Evaluator.Result e1 = Evaluator.evaluate(r.modelDir(), test, io.prism.engine.PredictOptions.defaults(ck.spec()).withSeed(0), "cpu");
        System.out.println("holdout: " + e1);
        ModelSpec.Training t = ck.spec().training();
        Map<String, Double> metrics = new LinkedHashMap<>(t.metrics());
        e1.asMap().forEach((k, v) -> metrics.put("holdout_" + k, v));
        if (before != null) before.asMap().forEach((k, v) -> metrics.put("holdout_parent_" + k, v));
        Map<String, Object> data = new LinkedHashMap<>(t.data());
        data.put("holdout", styles + " seeds " + holdout[0] + ":" + holdout[1] + " (first frame 7), never used in training");
        data.put("validation", styles + " seeds " + valSeeds[0] + ":" + valSeeds[1]);
        ModelSpec.Training t2 = new ModelSpec.Training(t.command(), t.parent(), t.steps(), t.seeds(), data, t.config(), metrics, t.history());
        new ModelCheckpoint(ck.spec().withTraining(t2), ck.weights()).save(r.modelDir());
        System.out.println("done: " + r.modelDir());
    }
}
