package io.prism.engine.marigold.train;

import io.prism.engine.model.ModelSpec;
import io.prism.engine.model.ImportSettings;
import io.prism.engine.AlbedoEncoding;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.prism.engine.Engines;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Reduction;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.diffusers.transformers.EmptyPromptEmbedding;
import io.prism.engine.eval.Evaluator;
import io.prism.engine.image.Resample;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.marigold.MarigoldPipeline;
import io.prism.engine.marigold.MarigoldPredictor;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import io.prism.engine.schedule.DdimScheduler;
import io.prism.engine.schedule.SchedulerConfig;
import io.prism.engine.train.AdamW;
import io.prism.engine.train.FineTuneLoop;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.Seeds;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;
import io.prism.engine.train.Visualiser;
import io.prism.vision.image.FloatImage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.SplittableRandom;

/**
 * Fine-tunes the UNet of a Marigold-architecture diffusers folder on (beauty, target) pairs the Marigold way.
 *
 * <p>Frozen: the VAE (latents = posterior mean × scaling factor, cached once per pair, resolution and flip by
 * {@link LatentCache}) and the text encoder (the empty-prompt embedding, read from {@code prompt_embeds.safetensors} or
 * computed once). Per optimiser step, {@code gradAccumulation} micro-batches: for each sample a timestep uniform over
 * the checkpoint scheduler's training steps, noise (Gaussian or Marigold's multi-resolution noise), x_t =
 * addNoise(target latents), loss = MSE between the UNet's output on [image latent ‖ x_t] (with the empty prompt) and
 * the scheduler's target (v for v-prediction); then AdamW with warm-up and cosine decay, the trainers' common
 * {@link AdamW} and {@link Seeds#warmupCosine}.
 *
 * <p>Exact resume: every random draw is a pure function of (seed, step, sample index) — order and flips from the data
 * seed, timesteps and noise from the training seed — so {@code checkpoint-latest/} (UNet in diffusers layout, AdamW
 * moments, step) is all a resume needs; a resumed run ends with bit-identical weights.
 *
 * <p>Output {@code model/}: a diffusers folder in which only {@code unet/} is new; model_index, scheduler, VAE and the
 * prompt embedding are hard links to (or, across file systems, copies of) the base's files, so a content-addressed
 * registry stores them once.
 */
public final class MarigoldTrainer {
    public static final String LATEST = Trainer.LATEST;
    public static final String MODEL = "model";
    /** The training record written next to the fine-tuned folder's components. */
    public static final String TRAINING_RECORD = "prism_training.json";
    static final String UNET_WEIGHTS = "diffusion_pytorch_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * @param modelDir     the fine-tuned diffusers folder (null if the run halted early)
     * @param metrics      the last validation (null without validation pairs)
     * @param losses       training loss of every step run in this call
     * @param holdoutLoss  the objective on the validation pairs at fixed timesteps and noise, at the start and at the end
     *                     of this call (NaN without validation pairs)
     */
    public record Result(int step, boolean finished, Path modelDir, Path checkpointDir, Evaluator.Result metrics, double lastLoss,
                         double[] losses, double holdoutLossBefore, double holdoutLossAfter) {}

    private final MarigoldTrainConfig cfg;
    private final PrintStream log;

    public MarigoldTrainer(MarigoldTrainConfig cfg, PrintStream progress) {
        this.cfg = cfg;
        this.log = progress;
    }

    public Result train(PairDataset data, List<TrainingPair> validation) throws IOException {
        // --- everything that can be refused is checked before anything is written
        FineTuneBase base = FineTuneBase.read(Path.of(cfg.base()), cfg.task(), cfg.processingResolution());
        MarigoldCheckpoint target = base.marigold();
        int resolution = cfg.processingResolution() > 0 ? cfg.processingResolution() : target.defaultProcessingResolution();
        SchedulerConfig sc = SchedulerConfig.fromDiffusers(base.dir().resolve("scheduler"));
        DdimScheduler scheduler = new DdimScheduler(sc);
        Path out = Path.of(cfg.outputDir());
        Path latest = out.resolve(LATEST);
        boolean resuming = cfg.resume() && Files.isRegularFile(latest.resolve("state.json"));
        Map<String, Object> state = null;
        if (resuming) {
            state = JSON.readValue(latest.resolve("state.json").toFile(), new TypeReference<Map<String, Object>>() {});
            checkResumable(state, latest, base);
        }
        if (data.size() == 0) throw new IllegalArgumentException("the training set is empty");
        List<TrainingPair> pairs = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) pairs.add(data.get(i));

        Engine engine = Engines.pytorch(cfg.threads());
        Device device = Engines.device(cfg.device());
        Files.createDirectories(out);
        boolean gradBefore = Engines.gradMode(false);
        try (NDManager manager = engine.newBaseManager(device)) {
            // --- frozen parts
            AutoencoderKL vae = AutoencoderKL.load(base.dir().resolve("vae"), null, manager, DataType.FLOAT32, false);
            NDArray embedding = promptEmbedding(base, manager, out);
            Path startDir = base.startingUNet(out.resolve("initial"), manager);

            // --- latents (and pseudo-labels of targets without ground truth) from the starting model
            LatentCache trainLatents, holdoutLatents;
            try (NDManager tm = manager.newSubManager()) {
                MarigoldPipeline teacher = null;
                if (target.targets().size() > 1) {
                    UNet2DConditionModel start = UNet2DConditionModel.load(startDir, null, tm, DataType.FLOAT32, false);
                    teacher = new MarigoldPipeline(target, start, vae, embedding, scheduler, tm.newSubManager(), DataType.FLOAT32);
                }
                long t0 = System.nanoTime();
                trainLatents = LatentCache.build(pairs, resolution, cfg.horizontalFlip(), vae, target, cfg.task(), teacher,
                        target.defaultSteps(), cfg.trainSeed(), manager);
                holdoutLatents = LatentCache.build(validation, resolution, false, vae, target, cfg.task(), teacher,
                        target.defaultSteps(), cfg.trainSeed(), manager);
                say("encoded %d training pair(s)%s and %d validation pair(s) at %d px in %.1f s", pairs.size(),
                        cfg.horizontalFlip() ? " (and flips)" : "", validation.size(), resolution, (System.nanoTime() - t0) / 1e9);
            }

            // --- the trained UNet: resumed, or the starting one
            UNet2DConditionModel unet = UNet2DConditionModel.load(resuming ? latest.resolve("unet") : startDir, null, manager,
                    DataType.FLOAT32, true);
            List<String> names = new ArrayList<>(unet.parameters().keySet());
            List<NDArray> weights = new ArrayList<>(unet.parameters().values());
            AdamW adam = AdamW.forArrays(weights);
            int step = 0;
            List<String> history = new ArrayList<>();
            if (resuming) {
                step = ((Number) state.get("step")).intValue();
                @SuppressWarnings("unchecked") List<String> h = (List<String>) state.get("history");
                history.addAll(h);
                adam.restore(Safetensors.read(latest.resolve("optimizer.safetensors")), names, ((Number) state.get("adamStep")).longValue());
                say("resumed %s at step %d/%d from %s", cfg.name(), step, cfg.steps(), latest);
            } else {
                say("fine-tuning %s from %s%s", cfg.name(), base.dir(), base.widen() ? " (conv_in/conv_out widened for "
                        + target.targets().size() + " target(s))" : "");
            }
            for (NDArray w : weights) w.setRequiresGradient(true);
            say("%s: UNet %d parameters, %s prediction, %d training pairs, %d validation pairs, effective batch %d, %d steps",
                    cfg.name(), unet.parameterCount(), sc.predictionType(), pairs.size(), validation.size(), cfg.effectiveBatch(), cfg.steps());

            double holdoutBefore = holdoutLoss(unet, embedding, scheduler, holdoutLatents, validation.size(), manager);
            Evaluator.Result[] metrics = {null};                            // the last validation
            FineTuneLoop.Outcome run = FineTuneLoop.run(cfg, engine, adam, weights, FineTuneLoop.decayMask(names, weights), step, log, latest,
                    (gc, st, micro) -> microBatch(gc, unet, embedding, scheduler, trainLatents, pairs.size(), st, micro, manager),
                    (st, loss, last) -> {
                        if (!validation.isEmpty() && (last || (cfg.validateEvery() > 0 && st % cfg.validateEvery() == 0))) {
                            metrics[0] = validate(target, unet, vae, embedding, sc, resolution, validation, manager);
                            double hl = holdoutLoss(unet, embedding, scheduler, holdoutLatents, validation.size(), manager);
                            String line = String.format("step %d loss %.5f holdout loss %.5f %s", st, loss, hl, metrics[0]);
                            history.add(line);
                            say("%s", line);
                        }
                        if (!validation.isEmpty() && cfg.visualiseEvery() > 0 && (st % cfg.visualiseEvery() == 0 || last)) {
                            visualise(out.resolve("visualisations").resolve(String.format("step-%06d.png", st)), target, unet, vae,
                                    embedding, sc, resolution, validation, manager);
                        }
                    },
                    st -> saveCheckpoint(latest, startDir, unet, adam, names, st, history));
            step = run.step();
            if (run.halted()) {
                say("halted at step %d as asked; resume with the same configuration", step);
                return new Result(step, false, null, latest, metrics[0], run.lastLoss(), run.losses(), holdoutBefore, Double.NaN);
            }
            double holdoutAfter = holdoutLoss(unet, embedding, scheduler, holdoutLatents, validation.size(), manager);
            Path modelDir = out.resolve(MODEL);
            writeModel(modelDir, base, startDir, out, unet, step, metrics[0], history, data.describe(), validation.size());
            say("saved %s to %s", cfg.name(), modelDir);
            return new Result(step, true, modelDir, latest, metrics[0], run.lastLoss(), run.losses(), holdoutBefore, holdoutAfter);
        } finally {
            Engines.gradMode(gradBefore);
        }
    }

    /**
     * One micro-batch: forward and backward of its samples (same-size samples in one pass), loss scaled by
     * 1 / effective batch so that the accumulated gradient is that of the effective batch's mean loss.
     *
     * @return this micro-batch's share of the step's loss
     */
    private double microBatch(GradientCollector gc, UNet2DConditionModel unet, NDArray embedding, DdimScheduler scheduler,
                              LatentCache latents, int n, int step, int micro, NDManager manager) {
        int b = cfg.microBatch();
        Map<String, List<long[]>> bySize = new LinkedHashMap<>();                      // "h x w" → {global index, pair, flip}
        for (int k = 0; k < b; k++) {
            long g = ((long) step * cfg.gradAccumulation() + micro) * b + k;              // global sample index
            int pair = Seeds.permutation(cfg.dataSeed(), g / n, n)[(int) (g % n)];
            boolean flip = cfg.horizontalFlip() && new SplittableRandom(Seeds.mix(cfg.dataSeed(), g, 29)).nextBoolean();
            LatentCache.Entry e = latents.get(pair, flip);
            bySize.computeIfAbsent(e.height() + "x" + e.width(), s -> new ArrayList<>()).add(new long[] {g, pair, flip ? 1 : 0});
        }
        double total = 0;
        for (List<long[]> group : bySize.values()) {
            try (NDManager m = manager.newSubManager()) {
                // divided by a tensor that lives until after backward, which reads it (see Tensors.scalar)
                NDArray perBatch = m.create((float) cfg.effectiveBatch());
                Function<NDArray, NDArray> scaled = l -> l.div(perBatch);
                float v;
                if (cfg.gradientCheckpointing()) {                              // forward and backward, block by block
                    v = groupLoss(unet, embedding, scheduler, latents, group, m, cfg.trainSeed(), scaled).getFloat();
                    if (!Float.isFinite(v)) throw new IllegalStateException("step " + (step + 1) + ": the loss is " + v);
                } else {
                    NDArray l = groupLoss(unet, embedding, scheduler, latents, group, m, cfg.trainSeed(), null);
                    l = scaled.apply(l);
                    v = l.getFloat();
                    if (!Float.isFinite(v)) throw new IllegalStateException("step " + (step + 1) + ": the loss is " + v);
                    gc.backward(l);
                }
                total += v;
            }
        }
        return total;
    }

    /**
     * Sum over the group's samples of the mean squared error between the UNet's output and the scheduler's target.
     * Each sample's timestep and noise come from its own stream (seed, global index), independent of batching.
     */
    private NDArray groupLoss(UNet2DConditionModel unet, NDArray embedding, DdimScheduler scheduler, LatentCache latents,
                              List<long[]> group, NDManager m, long seed, Function<NDArray, NDArray> checkpointedScale) {
        int b = group.size();
        LatentCache.Entry first = latents.get((int) group.get(0)[1], group.get(0)[2] == 1);
        int h = first.height(), w = first.width(), tc = first.targets().length / (h * w);
        float[] img = new float[b * 4 * h * w], x0 = new float[b * tc * h * w], eps = new float[b * tc * h * w];
        float[] t = new float[b];
        int trainSteps = scheduler.config().numTrainTimesteps();
        for (int k = 0; k < b; k++) {
            long[] s = group.get(k);
            LatentCache.Entry e = latents.get((int) s[1], s[2] == 1);
            System.arraycopy(e.image(), 0, img, k * 4 * h * w, 4 * h * w);
            System.arraycopy(e.targets(), 0, x0, k * tc * h * w, tc * h * w);
            SplittableRandom rng = new SplittableRandom(Seeds.mix(seed, s[0], 41));
            t[k] = scheduler.sampleTrainingTimesteps(1, rng)[0];
            double strength = cfg.multiResNoiseStrength() * (cfg.multiResNoiseAnnealed() ? t[k] / trainSteps : 1);
            System.arraycopy(MultiResNoise.sample(rng, tc, h, w, strength), 0, eps, k * tc * h * w, tc * h * w);
        }
        NDArray image = m.create(img, new Shape(b, 4, h, w)), target = m.create(x0, new Shape(b, tc, h, w));
        NDArray noise = m.create(eps, new Shape(b, tc, h, w));
        if (checkpointedScale == null) return objective(unet, embedding, scheduler, image, target, noise, t).sum();
        Objective o = Objective.of(embedding, scheduler, image, target, noise, t);
        return unet.forwardBackwardCheckpointed(o.input(), t, o.text(), pred -> checkpointedScale.apply(o.loss(pred).sum()));
    }

    /** Per-sample mean squared error (B) of the UNet's prediction at x_t = addNoise(x₀, ε, t) against the scheduler's target. */
    static NDArray objective(UNet2DConditionModel unet, NDArray embedding, DdimScheduler scheduler, NDArray imageLatent, NDArray x0,
                             NDArray noise, float[] t) {
        Objective o = Objective.of(embedding, scheduler, imageLatent, x0, noise, t);
        return o.loss(unet.forward(o.input(), t, o.text()));
    }

    /** The objective's UNet input [image latent ‖ x_t], its text context, and the per-sample MSE against the target. */
    private record Objective(NDArray input, NDArray text, NDArray target) {
        static Objective of(NDArray embedding, DdimScheduler scheduler, NDArray imageLatent, NDArray x0, NDArray noise, float[] t) {
            long b = x0.getShape().get(0);
            NDArray noisy = scheduler.addNoise(x0, noise, t);
            NDArray text = embedding.repeat(0, b);                                         // (B, L, D)
            text.attach(imageLatent.getManager());
            return new Objective(NDArrays.concat(new NDList(imageLatent, noisy), 1), text, scheduler.target(x0, noise, t));
        }

        NDArray loss(NDArray pred) {                                                       // (B, 4T, h, w) → (B,)
            long b = target.getShape().get(0);
            return pred.sub(target).square().reshape(b, -1).mean(new int[] {1});
        }
    }

    /**
     * The training objective on the validation pairs at fixed timesteps (T−1, ¾T, ½T, ¼T) and noise from the validation
     * seed: a deterministic holdout error of exactly what is optimised (NaN without validation pairs).
     */
    double holdoutLoss(UNet2DConditionModel unet, NDArray embedding, DdimScheduler scheduler, LatentCache latents, int count,
                       NDManager manager) {
        if (count == 0) return Double.NaN;
        int trainSteps = scheduler.config().numTrainTimesteps();
        float[] ts = {trainSteps - 1, trainSteps * 3 / 4f, trainSteps / 2f, trainSteps / 4f};
        double sum = 0;
        boolean grad = Engines.gradMode(false);
        try {
            for (int i = 0; i < count; i++) {
                LatentCache.Entry e = latents.get(i, false);
                int h = e.height(), w = e.width(), tc = e.targets().length / (h * w);
                for (int j = 0; j < ts.length; j++) {
                    try (NDManager m = manager.newSubManager()) {
                        float[] eps = Seeds.gaussian(new SplittableRandom(Seeds.mix(cfg.validationSeed(), i, j)), tc * h * w);
                        sum += objective(unet, embedding, scheduler, m.create(e.image(), new Shape(1, 4, h, w)),
                                m.create(e.targets(), new Shape(1, tc, h, w)), m.create(eps, new Shape(1, tc, h, w)),
                                new float[] {Math.round(ts[j])}).getFloat();
                    }
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
        return sum / (count * ts.length);
    }

    private NDArray promptEmbedding(FineTuneBase base, NDManager manager, Path out) throws IOException {
        Path stored = base.dir().resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE);
        if (Files.isRegularFile(stored)) return EmptyPromptEmbedding.load(stored, manager);
        Path computed = out.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE);
        if (Files.isRegularFile(computed)) return EmptyPromptEmbedding.load(computed, manager);
        NDArray e = EmptyPromptEmbedding.compute(base.dir(), manager);                      // once per run folder
        EmptyPromptEmbedding.save(e, computed);
        return e;
    }

    private PredictOptions validationOptions(int resolution) {
        return new PredictOptions(cfg.validationSteps(), 1, resolution, Resample.BILINEAR, Reduction.MEDIAN, cfg.validationSeed(), 0, 0, 1);
    }

    /** PSNR / SSIM of the current UNet's predictions through the inference pipeline (what the gate measures). */
    private Evaluator.Result validate(MarigoldCheckpoint target, UNet2DConditionModel unet, AutoencoderKL vae, NDArray embedding,
                                      SchedulerConfig sc, int resolution, List<TrainingPair> validation, NDManager manager) {
        try (MarigoldPredictor p = predictor(target, unet, vae, embedding, sc, manager)) {
            return Evaluator.evaluate(p, validation, validationOptions(resolution));
        }
    }

    private void visualise(Path file, MarigoldCheckpoint target, UNet2DConditionModel unet, AutoencoderKL vae, NDArray embedding,
                           SchedulerConfig sc, int resolution, List<TrainingPair> validation, NDManager manager) throws IOException {
        List<FloatImage[]> rows = new ArrayList<>();
        try (MarigoldPredictor p = predictor(target, unet, vae, embedding, sc, manager)) {
            for (TrainingPair pair : validation.subList(0, Math.min(4, validation.size()))) {
                FloatImage in = p.inputEncoding().encode(pair.beauty());
                Prediction pr = p.predict(in, validationOptions(resolution));
                rows.add(new FloatImage[] {in, pr.result(), AlbedoEncoding.toSrgb(pair.target())});
            }
        }
        Visualiser.write(file, rows);
    }

    /** A predictor over the weights being trained; closing it frees only its own scratch manager. */
    private MarigoldPredictor predictor(MarigoldCheckpoint target, UNet2DConditionModel unet, AutoencoderKL vae, NDArray embedding,
                                        SchedulerConfig sc, NDManager manager) {
        MarigoldPipeline p = new MarigoldPipeline(target, unet, vae, embedding, sc.create(), manager.newSubManager(), DataType.FLOAT32);
        return new MarigoldPredictor(p, cfg.task(), 1);
    }

    // ---- checkpoints and output

    private void saveCheckpoint(Path latest, Path startDir, UNet2DConditionModel unet, AdamW adam, List<String> names, int step,
                                List<String> history) throws IOException {
        Path tmp = latest.resolveSibling(LATEST + ".tmp");
        if (Files.exists(tmp)) Trainer.deleteTree(tmp);
        Files.createDirectories(tmp.resolve("unet"));
        writeUNet(tmp.resolve("unet"), startDir, unet);
        Safetensors.write(tmp.resolve("optimizer.safetensors"), adam.moments(names), Map.of("step", Integer.toString(step)));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", step);
        state.put("adamStep", adam.steps());
        state.put("savedAt", Instant.now().toString());
        state.put("rng", "stateless: timesteps/noise = f(trainSeed, sample index); order/flips = f(dataSeed, sample index)");
        state.put("base", cfg.base());
        state.put("config", cfg);
        state.put("history", history);
        JSON.writeValue(tmp.resolve("state.json").toFile(), state);
        Trainer.publish(tmp, latest);
    }

    /** unet/ in diffusers layout: the starting config.json (hard-linked) and the current weights, F32, diffusers names. */
    private static void writeUNet(Path dir, Path startDir, UNet2DConditionModel unet) throws IOException {
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : unet.parameters().entrySet()) {
            w.put(e.getKey(), new FloatTensor(e.getValue().getShape().getShape(), e.getValue().toType(DataType.FLOAT32, false).toFloatArray()));
        }
        Safetensors.write(dir.resolve(UNET_WEIGHTS), w, Map.of("format", "pt"));
        Trainer.link(startDir.resolve("config.json"), dir.resolve("config.json"));
    }

    /** A resume must continue the same run: same base, same optimisation settings, same UNet architecture. */
    private void checkResumable(Map<String, Object> state, Path latest, FineTuneBase base) throws IOException {
        MarigoldTrainConfig saved = JSON.convertValue(state.get("config"), MarigoldTrainConfig.class);
        List<String> diffs = new ArrayList<>();
        if (!Path.of(saved.base()).toAbsolutePath().normalize().equals(Path.of(cfg.base()).toAbsolutePath().normalize())) diffs.add("base");
        if (saved.steps() != cfg.steps()) diffs.add("steps");
        if (saved.microBatch() != cfg.microBatch() || saved.gradAccumulation() != cfg.gradAccumulation()) diffs.add("batch");
        if (saved.trainSeed() != cfg.trainSeed() || saved.dataSeed() != cfg.dataSeed()) diffs.add("seeds");
        if (saved.learningRate() != cfg.learningRate() || saved.warmupSteps() != cfg.warmupSteps()
                || saved.minLrFactor() != cfg.minLrFactor() || saved.weightDecay() != cfg.weightDecay()) diffs.add("learning rate");
        if (saved.processingResolution() != cfg.processingResolution() || saved.horizontalFlip() != cfg.horizontalFlip()) diffs.add("data");
        if (saved.multiResNoiseStrength() != cfg.multiResNoiseStrength() || saved.multiResNoiseAnnealed() != cfg.multiResNoiseAnnealed()) {
            diffs.add("noise");
        }
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("cannot resume " + cfg.outputDir() + ": configuration differs in " + diffs
                    + " (use a new output folder, or resume=false to start over)");
        }
        Path config = latest.resolve("unet").resolve("config.json");
        var ck = io.prism.engine.diffusers.models.unets.UNet2DConditionConfig.read(config);
        if (!ck.equals(base.unetConfig())) {
            throw new InvalidCheckpointException(config + ": the checkpoint's UNet (in " + ck.inChannels() + ", out " + ck.outChannels()
                    + ", blocks " + ck.blockOutChannels() + ") is another architecture than this run's (in " + base.unetConfig().inChannels()
                    + ", out " + base.unetConfig().outChannels() + ", blocks " + base.unetConfig().blockOutChannels() + ")");
        }
    }

    /** The fine-tuned diffusers folder: a new unet/, everything else linked from the base (or written once per run). */
    private void writeModel(Path modelDir, FineTuneBase base, Path startDir, Path runDir, UNet2DConditionModel unet, int step,
                            Evaluator.Result metrics, List<String> history, String data, int validationFrames) throws IOException {
        Path tmp = modelDir.resolveSibling(MODEL + ".tmp");
        if (Files.exists(tmp)) Trainer.deleteTree(tmp);
        Files.createDirectories(tmp.resolve("unet"));
        writeUNet(tmp.resolve("unet"), startDir, unet);
        Path b = base.dir();
        if (base.widen()) base.writeModelIndex(tmp.resolve(MarigoldCheckpoint.MODEL_INDEX));
        else Trainer.link(b.resolve(MarigoldCheckpoint.MODEL_INDEX), tmp.resolve(MarigoldCheckpoint.MODEL_INDEX));
        Files.createDirectories(tmp.resolve("scheduler"));
        Trainer.link(b.resolve("scheduler/scheduler_config.json"), tmp.resolve("scheduler/scheduler_config.json"));
        Files.createDirectories(tmp.resolve("vae"));
        Trainer.link(b.resolve("vae/config.json"), tmp.resolve("vae/config.json"));
        for (Path f : base.vaeFiles()) Trainer.link(f, tmp.resolve("vae").resolve(f.getFileName()));
        Path index = b.resolve("vae/diffusion_pytorch_model.safetensors.index.json");
        if (Files.isRegularFile(index)) Trainer.link(index, tmp.resolve("vae").resolve(index.getFileName()));
        Path embeds = b.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE);
        if (!Files.isRegularFile(embeds)) embeds = runDir.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE);
        Trainer.link(embeds, tmp.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE));
        Path settings = b.resolve(ImportSettings.FILE);   // the input encoding the model was trained with
        if (Files.isRegularFile(settings)) Trainer.link(settings, tmp.resolve(ImportSettings.FILE));
        else new ImportSettings(ModelSpec.Encoding.of(base.marigold().inputEncoding())).write(tmp.resolve(ImportSettings.FILE));

        Map<String, Object> record = new LinkedHashMap<>();
        record.put("name", cfg.name());
        record.put("command", cfg.command());
        record.put("base", b.toAbsolutePath().normalize().toString());
        record.put("widened", base.widen());
        record.put("steps", step);
        record.put("seeds", Map.of("train", cfg.trainSeed(), "validation", cfg.validationSeed(), "data", cfg.dataSeed()));
        record.put("data", Map.of("train", data, "validationFrames", validationFrames));
        record.put("config", cfg);
        record.put("metrics", metrics == null ? Map.of() : metrics.asMap());
        record.put("history", history);
        JSON.writeValue(tmp.resolve(TRAINING_RECORD).toFile(), record);
        Trainer.publish(tmp, modelDir);   // a crash at any moment leaves one complete model folder
    }

    private void say(String fmt, Object... args) {
        Trainer.say(log, Path.of(cfg.outputDir()), String.format(fmt, args));
    }
}
