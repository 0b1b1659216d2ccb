package io.prism.engine.transparency.train;

import io.prism.vision.color.InputEncoding;
import io.prism.engine.model.ImportSettings;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.marigold.train.FineTuneBase;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.transformers.SD3Transformer2DModel;
import io.prism.engine.diffusers.models.transformers.SD3Transformer2DModelConfig;
import io.prism.engine.diffusers.transformers.EmptyPromptEmbedding;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import io.prism.engine.schedule.FlowMatchEulerDiscreteConfig;
import io.prism.engine.schedule.FlowMatchEulerDiscreteScheduler;
import io.prism.engine.train.AdamW;
import io.prism.engine.train.FineTuneLoop;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.Seeds;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;
import io.prism.engine.transparency.TransparencyPipeline;
import io.prism.engine.transparency.TransparencyPredictor;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Fine-tunes the transformer of an SD3 transparency folder on (beauty, mask) pairs as github.com/xycoord/
 * Transparency-Segmentation trains it; VAE and conditioning are frozen.
 *
 * <p>Diffusion variant (transformer in_channels = 2 × latent channels, branch diffusion-ft): per sample u =
 * sigmoid(N(0, 1)), the training-table index of {@link FlowMatchEulerDiscreteScheduler#trainingIndex} (the reference's
 * doubly shifted, snapped timestep), x_σ = (1 − σ)·x₀ + σ·ε on the mask latent x₀, loss = MSE between the transformer's
 * output on [image latent ‖ x_σ] at t = σ·1000 and the velocity ε − x₀ (weighting 1), as diffusers' SD3 training and
 * the reference's trainer.py L301-328 do. End-to-end variant (in_channels = latent channels, branch main): one forward
 * pass on the image latent at t = 1000, loss = MSE between its output and the mask latent — on the latent, as the
 * successor's trainer.py L336 does (no VAE decode in the graph, so a step costs one transformer pass).
 *
 * <p>Latents come from {@link MaskLatentCache} (encoded once). The optimisation loop is {@link FineTuneLoop}, shared
 * with the Marigold trainer, as are seeds and checkpoints: {@link AdamW} (ε 1e-8; the reference uses 1e-15), {@link Seeds#warmupCosine}, global-norm clip, effective
 * batch = micro-batch × accumulation; every draw a function of (seed, global sample index), so {@code
 * checkpoint-latest/} (transformer in diffusers layout, AdamW moments, step) is all an exact resume needs.
 *
 * <p>Output {@code model/}: the base folder in which only {@code transformer/diffusion_pytorch_model.safetensors} is new;
 * every other file is a hard link to the base's (copies where links are refused), plus the conditioning the run
 * computed when the base had only text encoders.
 */
public final class TransparencyTrainer {
    public static final String MODEL = "model";
    public static final String TRAINING_RECORD = "prism_training.json";
    static final String WEIGHTS = "diffusion_pytorch_model.safetensors";
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    /** u of the holdout objective's fixed timesteps (diffusion variant): five points across the logit-normal range. */
    private static final float[] HOLDOUT_U = {0.1f, 0.3f, 0.5f, 0.7f, 0.9f};

    /**
     * @param losses         training loss of every step run in this call
     * @param holdoutBefore  the objective on the validation pairs at fixed timesteps and noise, at the start of this call
     * @param holdoutAfter   the same at the end (NaN when halted or without validation pairs)
     * @param before         validation through the pipeline at the start of this call (null without validation pairs)
     * @param after          the same at the end (null when halted)
     */
    public record Result(int step, boolean finished, Path modelDir, Path checkpointDir, double[] losses, double holdoutBefore,
                         double holdoutAfter, Validation before, Validation after) {}

    /**
     * The pipeline's prediction on the validation pairs (posterior mean, validation seed, one member).
     *
     * @param iou         mean over pairs of IoU(predicted mask, ground truth &gt; 0.5)
     * @param latentError mean squared error of the final (decoded) mask latent against the encoded ground truth
     */
    public record Validation(double iou, double latentError) {}

    private final TransparencyTrainConfig cfg;
    private final PrintStream log;

    public TransparencyTrainer(TransparencyTrainConfig cfg, PrintStream progress) {
        this.cfg = cfg;
        this.log = progress;
    }

    public Result train(PairDataset data, List<TrainingPair> validation) throws IOException {
        Path base = Path.of(cfg.base());
        for (String c : List.of("transformer", "vae", "scheduler")) {
            if (!Files.isDirectory(base.resolve(c))) throw new InvalidCheckpointException(base.resolve(c) + ": component folder missing");
        }
        if (!TransparencyPredictor.isSd3Folder(base)) throw new InvalidCheckpointException(base + ": not an SD3 transparency folder");
        Path out = Path.of(cfg.outputDir()), latest = out.resolve(Trainer.LATEST);
        boolean resuming = cfg.resume() && Files.isRegularFile(latest.resolve("state.json"));
        Map<String, Object> state = null;
        if (resuming) {
            state = JSON.readValue(latest.resolve("state.json").toFile(), new TypeReference<Map<String, Object>>() {});
            checkResumable(state);
        }
        if (data.size() == 0) throw new IllegalArgumentException("the training set is empty");
        List<TrainingPair> pairs = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) pairs.add(data.get(i));
        int resolution = cfg.processingResolution() > 0 ? cfg.processingResolution() : TransparencyPredictor.processingResolution(base);

        Engine engine = Engines.pytorch(cfg.threads());
        Device device = Engines.device(cfg.device());
        Files.createDirectories(out);
        boolean gradBefore = Engines.gradMode(false);
        try (NDManager manager = engine.newBaseManager(device)) {
            AutoencoderKL vae = AutoencoderKL.load(base.resolve("vae"), null, manager, DataType.FLOAT32, false);
            EmptyPromptEmbedding.SD3 cond = conditioning(base, out, manager);
            FlowMatchEulerDiscreteScheduler scheduler = new FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig.read(base.resolve("scheduler")));
            int latentChannels = vae.config().latentChannels();
            Path startDir = startingTransformer(base, out.resolve("initial"), latentChannels);
            SD3Transformer2DModel transformer = SD3Transformer2DModel.load(resuming ? latest.resolve("transformer") : startDir,
                    null, manager, DataType.FLOAT32, true);
            SD3Transformer2DModelConfig tc = transformer.config();
            boolean endToEnd = tc.inChannels() == latentChannels;
            if (!endToEnd && tc.inChannels() != 2 * latentChannels || tc.outChannels() != latentChannels) {
                throw new InvalidCheckpointException(base.resolve("transformer/config.json") + ": in_channels " + tc.inChannels() + " / out_channels "
                        + tc.outChannels() + " fit neither variant for the VAE's " + latentChannels + " latent channels");
            }
            TransparencyPipeline pipeline = new TransparencyPipeline(transformer, vae, endToEnd ? null : scheduler, cond.promptEmbeds(),
                    cond.pooledPromptEmbeds());
            long t0 = System.nanoTime();
            InputEncoding encoding = ImportSettings.read(base).encoding();
            MaskLatentCache trainLatents = MaskLatentCache.build(pairs, resolution, pipeline.sizeMultiple(), encoding, vae, manager);
            MaskLatentCache holdout = MaskLatentCache.build(validation, resolution, pipeline.sizeMultiple(), encoding, vae, manager);
            say("encoded %d training and %d validation pair(s) at %d px in %.1f s", pairs.size(), validation.size(), resolution,
                    (System.nanoTime() - t0) / 1e9);

            List<String> names = new ArrayList<>(transformer.parameters().keySet());
            List<NDArray> weights = new ArrayList<>(transformer.parameters().values());
            AdamW adam = AdamW.forArrays(weights);
            int step = 0;
            if (resuming) {
                step = ((Number) state.get("step")).intValue();
                adam.restore(Safetensors.read(latest.resolve("optimizer.safetensors")), names, ((Number) state.get("adamStep")).longValue());
                say("resumed %s at step %d/%d from %s", cfg.name(), step, cfg.steps(), latest);
            }
            for (NDArray w : weights) w.setRequiresGradient(true);
            say("%s: %s transformer, %d parameters, %d training pairs, %d validation pairs, effective batch %d, %d steps", cfg.name(),
                    endToEnd ? "end-to-end (t = 1000)" : "rectified-flow", transformer.parameterCount(), pairs.size(), validation.size(),
                    cfg.effectiveBatch(), cfg.steps());

            Objective objective = new Objective(transformer, scheduler, cond, endToEnd);
            double holdoutBefore = holdoutLoss(objective, holdout, manager);
            Validation before = validate(pipeline, holdout, manager);
            FineTuneLoop.Outcome run = FineTuneLoop.run(cfg, engine, adam, weights, FineTuneLoop.decayMask(names, weights), step, log, latest,
                    (gc, st, micro) -> microBatch(gc, objective, trainLatents, st, micro, manager), (st, loss, last) -> {},
                    st -> saveCheckpoint(latest, startDir, transformer, adam, names, st));
            step = run.step();
            if (run.halted()) {
                say("halted at step %d as asked; resume with the same configuration", step);
                return new Result(step, false, null, latest, run.losses(), holdoutBefore, Double.NaN, before, null);
            }
            double holdoutAfter = holdoutLoss(objective, holdout, manager);
            Validation after = validate(pipeline, holdout, manager);
            if (after != null) say("holdout objective %.5f -> %.5f; %s -> %s", holdoutBefore, holdoutAfter, before, after);
            Path modelDir = out.resolve(MODEL);
            writeModel(modelDir, base, startDir, out, transformer, step, endToEnd, data.describe(), validation.size(), holdoutBefore, holdoutAfter, before, after);
            say("saved %s to %s", cfg.name(), modelDir);
            return new Result(step, true, modelDir, latest, run.losses(), holdoutBefore, holdoutAfter, before, after);
        } finally {
            Engines.gradMode(gradBefore);
        }
    }

    /** The training objective of one variant, per sample. */
    record Objective(SD3Transformer2DModel transformer, FlowMatchEulerDiscreteScheduler scheduler, EmptyPromptEmbedding.SD3 cond,
                     boolean endToEnd) {
        /**
         * Per-sample MSE (B). Diffusion: x_σ = (1 − σ)x₀ + σε (computed here in float32, as torch does on float32 tensors),
         * input [image ‖ x_σ] at t = σ·T, target ε − x₀. End-to-end: input the image latent at t = 1000, target x₀.
         *
         * @param index per sample, the training-table index (ignored end-to-end)
         */
        NDArray loss(float[] image, float[] x0, float[] eps, int[] index, int b, int c, int h, int w, NDManager m) {
            float[] input, target;
            float[] t = new float[b];
            int n = c * h * w;
            if (endToEnd) {
                input = image;
                target = x0;
                java.util.Arrays.fill(t, TransparencyPipeline.END_TO_END_TIMESTEP);
            } else {
                float[] sigmas = scheduler.trainSigmas(), table = scheduler.trainTimesteps();
                input = new float[2 * b * n];
                target = new float[b * n];
                for (int k = 0; k < b; k++) {
                    float s = sigmas[index[k]];
                    t[k] = table[index[k]];
                    System.arraycopy(image, k * n, input, 2 * k * n, n);
                    for (int i = 0; i < n; i++) {
                        int j = k * n + i;
                        input[2 * k * n + n + i] = (1f - s) * x0[j] + s * eps[j];
                        target[j] = eps[j] - x0[j];
                    }
                }
            }
            NDArray text = cond.promptEmbeds().repeat(0, b), pooled = cond.pooledPromptEmbeds().repeat(0, b);
            text.attach(m);
            pooled.attach(m);
            NDArray x = m.create(input, new Shape(b, endToEnd ? c : 2L * c, h, w));
            NDArray pred = transformer.forward(x, t, text, pooled);
            return pred.sub(m.create(target, new Shape(b, c, h, w))).square().reshape(b, -1).mean(new int[] {1});
        }
    }

    /**
     * One micro-batch: forward and backward of its samples (same-size samples in one pass), each sample's loss divided by
     * the effective batch so that the accumulated gradient is that of the step's mean loss.
     */
    private double microBatch(GradientCollector gc, Objective objective, MaskLatentCache latents, int step, int micro, NDManager manager) {
        int n = latents.size(), b = cfg.microBatch();
        Map<String, List<long[]>> bySize = new LinkedHashMap<>();                     // "h x w" → {global index, pair}
        for (int k = 0; k < b; k++) {
            long g = ((long) step * cfg.gradAccumulation() + micro) * b + k;
            int pair = Seeds.permutation(cfg.dataSeed(), g / n, n)[(int) (g % n)];
            MaskLatentCache.Entry e = latents.get(pair);
            bySize.computeIfAbsent(e.height() + "x" + e.width(), s -> new ArrayList<>()).add(new long[] {g, pair});
        }
        double total = 0;
        for (List<long[]> group : bySize.values()) {
            MaskLatentCache.Entry first = latents.get((int) group.get(0)[1]);
            int gb = group.size(), h = first.height(), w = first.width(), c = first.mask().length / (h * w), plane = c * h * w;
            float[] img = new float[gb * plane], x0 = new float[gb * plane], eps = new float[gb * plane];
            int[] index = new int[gb];
            for (int k = 0; k < gb; k++) {
                MaskLatentCache.Entry e = latents.get((int) group.get(k)[1]);
                System.arraycopy(e.image(), 0, img, k * plane, plane);
                System.arraycopy(e.mask(), 0, x0, k * plane, plane);
                SplittableRandom rng = new SplittableRandom(Seeds.mix(cfg.trainSeed(), group.get(k)[0], 43));
                float z = Seeds.gaussian(rng, 1)[0];
                index[k] = objective.scheduler().trainingIndex(Math.min(Math.nextDown(1f), FlowMatchEulerDiscreteScheduler.logitNormal(z)));
                System.arraycopy(Seeds.gaussian(rng, plane), 0, eps, k * plane, plane);
            }
            try (NDManager m = manager.newSubManager()) {
                // divided by a tensor that lives until after backward, which reads it (see Tensors.scalar)
                NDArray l = objective.loss(img, x0, eps, index, gb, c, h, w, m).sum().div(m.create((float) cfg.effectiveBatch()));
                float v = l.getFloat();
                if (!Float.isFinite(v)) throw new IllegalStateException("step " + (step + 1) + ": the loss is " + v);
                gc.backward(l);
                total += v;
            }
        }
        return total;
    }

    /**
     * The objective on the validation pairs at fixed timesteps (the table indices of {@link #HOLDOUT_U}; end-to-end: t =
     * 1000) and noise from the validation seed: a deterministic holdout error of exactly what is optimised.
     */
    double holdoutLoss(Objective objective, MaskLatentCache latents, NDManager manager) {
        if (latents.size() == 0) return Double.NaN;
        float[] us = objective.endToEnd() ? new float[] {0f} : HOLDOUT_U;
        double sum = 0;
        boolean grad = Engines.gradMode(false);
        try (NDManager m = manager.newSubManager()) {
            for (int i = 0; i < latents.size(); i++) {
                MaskLatentCache.Entry e = latents.get(i);
                int h = e.height(), w = e.width(), c = e.mask().length / (h * w);
                for (int j = 0; j < us.length; j++) {
                    try (NDManager sub = m.newSubManager()) {
                        float[] eps = Seeds.gaussian(new SplittableRandom(Seeds.mix(cfg.validationSeed(), i, j)), c * h * w);
                        int index = objective.endToEnd() ? 0 : objective.scheduler().trainingIndex(us[j]);
                        sum += objective.loss(e.image(), e.mask(), eps, new int[] {index}, 1, c, h, w, sub).getFloat();
                    }
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
        return sum / (latents.size() * us.length);
    }

    /** The pipeline's mask and final latent on each validation pair (posterior mean, one member, validation seed). */
    private Validation validate(TransparencyPipeline pipeline, MaskLatentCache holdout, NDManager manager) {
        if (holdout.size() == 0) return null;
        double iou = 0, err = 0;
        boolean grad = Engines.gradMode(false);
        try (NDManager m = manager.newSubManager()) {
            for (int i = 0; i < holdout.size(); i++) {
                MaskLatentCache.Entry e = holdout.get(i);
                TransparencyPipeline.Output o = pipeline.run(m.create(e.pixels(), new Shape(1, 3, e.pixelHeight(), e.pixelWidth())),
                        new TransparencyPipeline.Settings(cfg.validationSteps(), 1, 1, TransparencyPipeline.Posterior.MEAN, cfg.validationSeed(),
                                null, null), null);
                iou += iou(o.mask(), e.truth());
                double se = 0;
                for (int k = 0; k < e.mask().length; k++) {
                    double d = o.finalLatents()[k] - e.mask()[k];
                    se += d * d;
                }
                err += se / e.mask().length;
            }
        } finally {
            Engines.gradMode(grad);
        }
        return new Validation(iou / holdout.size(), err / holdout.size());
    }

    /** IoU of a 0/1 prediction against truth &gt; 0.5; 1 when both are empty. */
    static double iou(float[] predicted, float[] truth) {
        long inter = 0, union = 0;
        for (int i = 0; i < truth.length; i++) {
            boolean p = predicted[i] > 0.5f, t = truth[i] > 0.5f;
            if (p && t) inter++;
            if (p || t) union++;
        }
        return union == 0 ? 1 : (double) inter / union;
    }

    /**
     * The transformer training starts from: the base's, or (with {@code widen} on a base whose transformer takes only the
     * C-channel latent) a copy with the patch projection widened to [image ‖ noisy mask] = 2C inputs, written once to
     * {@code scratch/transformer/} (config.json with in_channels 2C, F32 weights).
     */
    private Path startingTransformer(Path base, Path scratch, int latentChannels) throws IOException {
        Path dir = base.resolve("transformer");
        if (cfg.widen() == null) return dir;
        SD3Transformer2DModelConfig c = SD3Transformer2DModelConfig.read(dir.resolve("config.json"));
        if (c.inChannels() != latentChannels) {
            throw new InvalidCheckpointException(dir.resolve("config.json") + ": in_channels " + c.inChannels() + " cannot be widened ("
                    + latentChannels + " = the VAE's latent channels expected)");
        }
        Path out = scratch.resolve("transformer");
        if (Files.isRegularFile(out.resolve(WEIGHTS))) return out;
        Path tmp = scratch.resolve("transformer.tmp");
        if (Files.exists(tmp)) Trainer.deleteTree(tmp);
        Files.createDirectories(tmp);
        SafetensorsFile file = SafetensorsFile.open(dir.resolve(WEIGHTS));
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (String name : file.entries().keySet()) {
            FloatTensor t = new FloatTensor(file.entry(name).shape(), file.floats(name));
            w.put(name, name.equals(PATCH_PROJECTION) ? widenPatchProjection(t, cfg.widen(), cfg.trainSeed()) : t);
        }
        Safetensors.write(tmp.resolve(WEIGHTS), w, Map.of("format", "pt"));
        com.fasterxml.jackson.databind.node.ObjectNode json = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(dir.resolve("config.json").toFile());
        json.put("in_channels", 2 * latentChannels);
        JSON.writeValue(tmp.resolve("config.json").toFile(), json);
        Files.move(tmp, out);
        return out;
    }

    static final String PATCH_PROJECTION = "pos_embed.proj.weight";

    /**
     * The patch projection (D, C, p, p) widened to (D, 2C, p, p): "duplicate" repeats the pretrained input channels and
     * halves them ({@link FineTuneBase#widenConvIn}), so equal image and noisy latents give the pretrained activation;
     * "random" is what the reference gets from diffusers' ignore_mismatched_sizes — the whole tensor at nn.Conv2d's
     * default init, U(±1/√fan_in) with fan_in = 2C·p² — here seeded by the training seed.
     */
    static FloatTensor widenPatchProjection(FloatTensor w, String mode, long seed) {
        if (mode.equals("duplicate")) return FineTuneBase.widenConvIn(w, 2);
        long[] s = {w.shape()[0], 2 * w.shape()[1], w.shape()[2], w.shape()[3]};
        float[] v = new float[w.data().length * 2];
        double bound = 1 / Math.sqrt(s[1] * s[2] * s[3]);
        SplittableRandom r = new SplittableRandom(Seeds.mix(seed, 0, 53));
        for (int i = 0; i < v.length; i++) v[i] = (float) ((2 * r.nextDouble() - 1) * bound);
        return new FloatTensor(s, v);
    }

    /** The empty-prompt conditioning: the base's stored tensors, or computed once by its text encoders and kept in the run folder. */
    private static EmptyPromptEmbedding.SD3 conditioning(Path base, Path out, NDManager manager) throws IOException {
        Path stored = base.resolve(TransparencyPredictor.PROMPT_EMBEDS_FILE);
        if (Files.isRegularFile(stored)) return EmptyPromptEmbedding.loadSd3(stored, manager);
        Path computed = out.resolve(TransparencyPredictor.PROMPT_EMBEDS_FILE);
        if (Files.isRegularFile(computed)) return EmptyPromptEmbedding.loadSd3(computed, manager);
        EmptyPromptEmbedding.SD3 c = EmptyPromptEmbedding.computeSd3(base, null, TransparencyPredictor.T5_TOKENS, manager);
        EmptyPromptEmbedding.saveSd3(c, computed);
        return c;
    }

    // ---- checkpoints and output

    private void saveCheckpoint(Path latest, Path startDir, SD3Transformer2DModel transformer, AdamW adam, List<String> names, int step)
            throws IOException {
        Path tmp = latest.resolveSibling(Trainer.LATEST + ".tmp");
        if (Files.exists(tmp)) Trainer.deleteTree(tmp);
        Files.createDirectories(tmp.resolve("transformer"));
        writeTransformer(tmp.resolve("transformer"), startDir, transformer);
        Safetensors.write(tmp.resolve("optimizer.safetensors"), adam.moments(names), Map.of("step", Integer.toString(step)));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", step);
        state.put("adamStep", adam.steps());
        state.put("savedAt", Instant.now().toString());
        state.put("rng", "stateless: timesteps/noise = f(trainSeed, sample index); order = f(dataSeed, sample index)");
        state.put("config", cfg);
        JSON.writeValue(tmp.resolve("state.json").toFile(), state);
        Trainer.publish(tmp, latest);
    }

    /** transformer/ in diffusers layout: the starting config.json (hard-linked) and every tensor (F32, checkpoint names). */
    private static void writeTransformer(Path dir, Path startDir, SD3Transformer2DModel transformer) throws IOException {
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : transformer.tensors().entrySet()) {
            w.put(e.getKey(), new FloatTensor(e.getValue().getShape().getShape(), e.getValue().toType(DataType.FLOAT32, false).toFloatArray()));
        }
        Safetensors.write(dir.resolve(WEIGHTS), w, Map.of("format", "pt"));
        Trainer.link(startDir.resolve("config.json"), dir.resolve("config.json"));
    }

    /** A resume must continue the same run: same base and the settings every draw and update depends on. */
    private void checkResumable(Map<String, Object> state) {
        TransparencyTrainConfig saved = JSON.convertValue(state.get("config"), TransparencyTrainConfig.class);
        List<String> diffs = new ArrayList<>();
        if (!Path.of(saved.base()).toAbsolutePath().normalize().equals(Path.of(cfg.base()).toAbsolutePath().normalize())) diffs.add("base");
        if (saved.steps() != cfg.steps()) diffs.add("steps");
        if (saved.microBatch() != cfg.microBatch() || saved.gradAccumulation() != cfg.gradAccumulation()) diffs.add("batch");
        if (saved.trainSeed() != cfg.trainSeed() || saved.dataSeed() != cfg.dataSeed()) diffs.add("seeds");
        if (saved.learningRate() != cfg.learningRate() || saved.warmupSteps() != cfg.warmupSteps() || saved.minLrFactor() != cfg.minLrFactor()
                || saved.weightDecay() != cfg.weightDecay() || saved.gradClip() != cfg.gradClip()) diffs.add("learning rate");
        if (saved.processingResolution() != cfg.processingResolution()) diffs.add("data");
        if (!java.util.Objects.equals(saved.widen(), cfg.widen())) diffs.add("widen");
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("cannot resume " + cfg.outputDir() + ": configuration differs in " + diffs
                    + " (use a new output folder, or resume=false to start over)");
        }
    }

    /** The fine-tuned folder: the new transformer weights; every other file of the base linked (written once in a registry). */
    private void writeModel(Path modelDir, Path base, Path startDir, Path runDir, SD3Transformer2DModel transformer, int step, boolean endToEnd, String data,
                            int validationFrames, double holdoutBefore, double holdoutAfter, Validation before, Validation after) throws IOException {
        Path tmp = modelDir.resolveSibling(MODEL + ".tmp");
        if (Files.exists(tmp)) Trainer.deleteTree(tmp);
        Files.createDirectories(tmp);
        List<Path> files;
        try (var s = Files.walk(base)) {
            files = s.filter(Files::isRegularFile).toList();
        }
        for (Path f : files) {
            Path rel = base.relativize(f);
            boolean transformerFile = rel.getNameCount() == 2 && rel.getName(0).toString().equals("transformer");
            if (transformerFile || rel.toString().equals(TRAINING_RECORD)) continue;
            Files.createDirectories(tmp.resolve(rel).getParent());
            Trainer.link(f, tmp.resolve(rel));
        }
        Files.createDirectories(tmp.resolve("transformer"));
        writeTransformer(tmp.resolve("transformer"), startDir, transformer);
        Path computed = runDir.resolve(TransparencyPredictor.PROMPT_EMBEDS_FILE);
        if (!Files.isRegularFile(base.resolve(TransparencyPredictor.PROMPT_EMBEDS_FILE)) && Files.isRegularFile(computed)) {
            Trainer.link(computed, tmp.resolve(TransparencyPredictor.PROMPT_EMBEDS_FILE));
        }
        Map<String, Object> record = new LinkedHashMap<>();
        record.put("name", cfg.name());
        record.put("command", cfg.command());
        record.put("base", base.toAbsolutePath().normalize().toString());
        record.put("variant", endToEnd ? "end-to-end (t = 1000, loss on the mask latent)" : "rectified flow (velocity MSE, logit-normal double-shift timesteps)");
        record.put("steps", step);
        record.put("seeds", Map.of("train", cfg.trainSeed(), "validation", cfg.validationSeed(), "data", cfg.dataSeed()));
        record.put("data", Map.of("train", data, "validationFrames", validationFrames));
        record.put("config", cfg);
        Map<String, Object> metrics = new LinkedHashMap<>();
        metrics.put("holdoutObjectiveBefore", holdoutBefore);
        metrics.put("holdoutObjectiveAfter", holdoutAfter);
        if (before != null) metrics.put("before", before);
        if (after != null) metrics.put("after", after);
        record.put("metrics", metrics);
        JSON.writeValue(tmp.resolve(TRAINING_RECORD).toFile(), record);
        Trainer.publish(tmp, modelDir);   // a crash at any moment leaves one complete model folder
    }

    private void say(String fmt, Object... args) {
        Trainer.say(log, Path.of(cfg.outputDir()), String.format(fmt, args));
    }
}
