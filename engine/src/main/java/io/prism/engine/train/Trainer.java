package io.prism.engine.train;

import io.prism.vision.color.InputEncoding;
import io.prism.engine.AlbedoEncoding;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import com.fasterxml.jackson.core.type.TypeReference;
import io.prism.engine.DensePredictor;
import io.prism.engine.Engines;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Reduction;
import io.prism.engine.eval.Evaluator;
import io.prism.engine.image.ImageOps;
import io.prism.engine.image.Resample;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.model.PixelUnshuffleCodec;
import io.prism.engine.model.Safetensors;
import io.prism.engine.model.UNetDenoiser;
import io.prism.engine.schedule.NoiseScheduler;
import io.prism.vision.image.FloatImage;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains or fine-tunes a Marigold-style model on (beauty, target) pairs.
 *
 * <p>Per optimiser step: {@code gradAccumulation} micro-batches of {@code microBatch} samples (random crop and
 * flip of the processed frame), targets mapped to [−1, 1] and encoded, x_t = addNoise(target latent, ε, t),
 * loss = MSE between the UNet's output on concat(image latent, x_t) and the scheduler's target (v), over valid
 * pixels only; then AdamW with linear warm-up and cosine decay.
 *
 * <p>Exact resume: all randomness is a pure function of (seed, step, micro-batch, sample index) — sample order
 * and augmentation from the data seed, noise and timesteps from the training seed, validation noise from the
 * validation seed — so a checkpoint needs only the weights, the AdamW moments and the step count.
 */
public final class Trainer {
    public static final String LATEST = "checkpoint-latest";
    public static final String MODEL = "model";

    /** @param modelDir final model (null if the run halted early); @param metrics last validation */
    public record Result(int step, boolean finished, Path modelDir, Path checkpointDir, Evaluator.Result metrics, double lastLoss) {}

    /** One training frame in model space: sRGB image in [0, 1], target in [−1, 1], validity 0/1. */
    record Sample(String id, FloatImage image, float[][] target, float[] valid) {}

    private final TrainConfig cfg;
    private final PrintStream log;

    public Trainer(TrainConfig cfg, PrintStream progress) {
        this.cfg = cfg;
        this.log = progress;
    }

    public Result train(PairDataset data, List<TrainingPair> validation) throws IOException {
        Engine engine = Engines.pytorch(cfg.threads());
        Path out = Path.of(cfg.outputDir());
        Files.createDirectories(out);
        Path latest = out.resolve(LATEST);
        boolean resuming = cfg.resume() && Files.isRegularFile(latest.resolve("state.json"));

        // --- the model: resumed, fine-tuned from a parent, or fresh
        ModelSpec spec;
        ModelCheckpoint start;
        String parent = null;
        if (resuming) {
            start = ModelCheckpoint.load(latest.resolve(MODEL));
            spec = start.spec();
        } else if (cfg.initFrom() != null) {
            ModelCheckpoint p = ModelCheckpoint.load(Path.of(cfg.initFrom()));
            parent = p.spec().name() + " (" + Path.of(cfg.initFrom()).toAbsolutePath().normalize() + ", weights sha256 "
                    + p.spec().files().get(ModelCheckpoint.WEIGHTS_FILE) + ")";
            spec = p.spec().withName(cfg.name());
            if (!spec.task().equals(cfg.task())) {
                throw new IllegalArgumentException("cannot fine-tune a " + spec.task() + " model for task " + cfg.task());
            }
            int need = spec.unet().outChannels() * 2;
            if (spec.unet().inChannels() < need) spec = spec.withUnet(spec.unet().withInChannels(need));
            start = p;
        } else {
            spec = ModelSpec.compact(cfg.name(), cfg.task(), cfg.codecFactor(), cfg.channels(), cfg.groups(), cfg.processingResolution());
            start = null;
        }
        spec = spec.withName(cfg.name());
        var codec = (PixelUnshuffleCodec) new ModelCheckpoint(spec, Map.of()).newCodec();
        NoiseScheduler scheduler = spec.scheduler().create();
        int multiple = codec.downsampleFactor() * spec.unet().spatialMultiple();
        if (cfg.cropSize() > 0 && cfg.cropSize() % multiple != 0) {
            throw new IllegalArgumentException("cropSize " + cfg.cropSize() + " must be a multiple of " + multiple);
        }

        List<Sample> samples = prepare(data, spec);
        int cropW = cfg.cropSize() > 0 ? cfg.cropSize() : samples.get(0).image().width();
        int cropH = cfg.cropSize() > 0 ? cfg.cropSize() : samples.get(0).image().height();
        for (Sample s : samples) {
            if (s.image().width() < cropW || s.image().height() < cropH) {
                throw new IllegalArgumentException("training frame " + s.id() + " (" + s.image().width() + "x" + s.image().height()
                        + " after resizing) is smaller than the crop " + cropW + "x" + cropH + ", or frames differ in size without cropSize");
            }
        }
        if (cropW % multiple != 0 || cropH % multiple != 0) {
            throw new IllegalArgumentException("training frames of " + cropW + "x" + cropH + " need cropSize (a multiple of " + multiple + ")");
        }

        try (NDManager manager = engine.newBaseManager()) {
            UNetDenoiser denoiser = new UNetDenoiser(spec.unet(), manager);
            List<String> history = new ArrayList<>();
            int step = 0;
            AdamW adam;
            List<Parameter> params = new ArrayList<>();
            List<String> names = new ArrayList<>();
            for (Pair<String, Parameter> p : denoiser.parameters()) {
                names.add(p.getKey());
                params.add(p.getValue());
            }
            boolean[] decay = new boolean[params.size()];
            for (int i = 0; i < decay.length; i++) decay[i] = params.get(i).getType() == Parameter.Type.WEIGHT;
            adam = new AdamW(params);
            if (resuming) {
                denoiser.loadWeights(start.weights(), false);
                Map<String, Object> state = ModelCheckpoint.JSON.readValue(latest.resolve("state.json").toFile(),
                        new TypeReference<Map<String, Object>>() {});
                TrainConfig saved = ModelCheckpoint.JSON.convertValue(state.get("config"), TrainConfig.class);
                checkCompatible(saved);
                step = ((Number) state.get("step")).intValue();
                @SuppressWarnings("unchecked") List<String> h = (List<String>) state.get("history");
                history.addAll(h);
                adam.restore(Safetensors.read(latest.resolve("optimizer.safetensors")), names,
                        ((Number) state.get("adamStep")).longValue());
                say("resumed %s at step %d/%d from %s", cfg.name(), step, cfg.steps(), latest);
            } else if (start != null) {
                denoiser.loadWeights(start.weights(), true);
                say("fine-tuning %s from %s", cfg.name(), parent);
            } else {
                denoiser.initialise(cfg.trainSeed());
            }
            for (Parameter p : params) p.getArray().setRequiresGradient(true);
            say("%s: %d parameters, %d training frames, %d validation frames, effective batch %d, %d steps",
                    cfg.name(), denoiser.parameterCount(), samples.size(), validation.size(), cfg.effectiveBatch(), cfg.steps());

            Evaluator.Result metrics = null;
            double loss = Double.NaN;
            long t0 = System.nanoTime();
            int firstStep = step;
            ProgressBar bar = new ProgressBar(log, cfg.name(), cfg.steps());
            while (step < cfg.steps()) {
                double lr = learningRate(step);
                loss = 0;
                try (GradientCollector gc = engine.newGradientCollector()) {
                    for (int micro = 0; micro < cfg.gradAccumulation(); micro++) {
                        try (NDManager sm = manager.newSubManager()) {
                            NDArray l = microBatchLoss(sm, samples, step, micro, cropW, cropH, codec, scheduler, denoiser, spec);
                            float lv = l.getFloat();
                            if (!Float.isFinite(lv)) {
                                // a non-finite loss would poison the accumulated gradients: skip this micro-batch
                                skippedBatches++;
                                say("step %d micro-batch %d: loss is %s, skipped (%d so far)", step + 1, micro, lv, skippedBatches);
                                if (skippedBatches > 50) throw new IllegalStateException("more than 50 micro-batches with a non-finite loss");
                                continue;
                            }
                            gc.backward(l);
                            loss += lv;
                        }
                    }
                }
                double gradNorm;
                try {
                    gradNorm = adam.step(params, decay, lr, cfg.weightDecay(), cfg.gradClip());
                } catch (AdamW.NonFiniteGradientException e) {
                    // skip this update; PyTorch keeps accumulating into NaN gradients, so rebuild the network
                    // from the (untouched, finite) weights to get fresh gradient buffers
                    if (++skippedUpdates > 20) throw new IllegalStateException("more than 20 non-finite gradients: training diverged", e);
                    say("step %d: %s; update skipped (%d so far)", step + 1, e.getMessage(), skippedUpdates);
                    Map<String, FloatTensor> w = denoiser.exportWeights();
                    denoiser.close();
                    denoiser = new UNetDenoiser(spec.unet(), manager);
                    denoiser.loadWeights(w, false);
                    params.clear();
                    for (Pair<String, Parameter> p : denoiser.parameters()) params.add(p.getValue());
                    for (Parameter p : params) p.getArray().setRequiresGradient(true);
                    gradNorm = Double.NaN;
                }
                step++;
                bar.update(step, loss, lr, gradNorm, (System.nanoTime() - t0) / 1e9, step - firstStep);
                boolean last = step == cfg.steps();
                boolean halt = cfg.haltAfterStep() > 0 && step >= cfg.haltAfterStep() && !last;
                if (!validation.isEmpty() && (last || (cfg.validateEvery() > 0 && step % cfg.validateEvery() == 0))) {
                    metrics = validate(denoiser, codec, scheduler, spec, manager, validation);
                    String line = String.format("step %d loss %.5f %s", step, loss, metrics);
                    history.add(line);
                    say("%s", line);
                }
                if (!validation.isEmpty() && cfg.visualiseEvery() > 0 && (step % cfg.visualiseEvery() == 0 || last)) {
                    visualise(out.resolve("visualisations").resolve(String.format("step-%06d.png", step)),
                            denoiser, codec, scheduler, spec, manager, validation);
                }
                if (last || halt || (cfg.checkpointEvery() > 0 && step % cfg.checkpointEvery() == 0)) {
                    saveCheckpoint(latest, spec, denoiser, adam, names, step, history);
                }
                if (halt) {
                    bar.done();
                    say("halted at step %d as asked; resume with the same configuration", step);
                    return new Result(step, false, null, latest, metrics, loss);
                }
            }
            bar.done();
            Map<String, Long> seeds = new LinkedHashMap<>();
            seeds.put("train", cfg.trainSeed());
            seeds.put("validation", cfg.validationSeed());
            seeds.put("data", cfg.dataSeed());
            Map<String, Object> dataDesc = new LinkedHashMap<>();
            dataDesc.put("train", data.describe());
            dataDesc.put("trainFrames", data.size());
            dataDesc.put("validationFrames", validation.size());
            Map<String, Object> config = ModelCheckpoint.JSON.convertValue(cfg, new TypeReference<Map<String, Object>>() {});
            Map<String, Double> m = metrics == null ? Map.of() : metrics.asMap();
            ModelSpec.Training training = new ModelSpec.Training(cfg.command(), parent != null ? parent : lineage(latest),
                    step, seeds, dataDesc, config, m, history);
            Path modelDir = out.resolve(MODEL);
            new ModelCheckpoint(spec.withTraining(training), denoiser.exportWeights()).save(modelDir);
            say("saved %s to %s", cfg.name(), modelDir);
            return new Result(step, true, modelDir, latest, metrics, loss);
        }
    }

    /** The parent recorded in a resumed run's checkpoint, if any. */
    private static String lineage(Path latest) {
        try {
            Path state = latest.resolve("state.json");
            if (!Files.exists(state)) return null;
            Object p = ModelCheckpoint.JSON.readValue(state.toFile(), Map.class).get("parent");
            return p == null ? null : p.toString();
        } catch (IOException e) {
            return null;
        }
    }

    private void checkCompatible(TrainConfig saved) {
        List<String> diffs = new ArrayList<>();
        if (!saved.task().equals(cfg.task())) diffs.add("task");
        if (saved.steps() != cfg.steps()) diffs.add("steps");
        if (saved.microBatch() != cfg.microBatch()) diffs.add("microBatch");
        if (saved.gradAccumulation() != cfg.gradAccumulation()) diffs.add("gradAccumulation");
        if (saved.trainSeed() != cfg.trainSeed() || saved.dataSeed() != cfg.dataSeed()) diffs.add("seeds");
        if (saved.learningRate() != cfg.learningRate() || saved.warmupSteps() != cfg.warmupSteps()) diffs.add("learning rate");
        if (saved.cropSize() != cfg.cropSize()) diffs.add("cropSize");
        if (saved.foregroundWeight() != cfg.foregroundWeight()) diffs.add("foregroundWeight");
        if (!diffs.isEmpty()) {
            throw new IllegalArgumentException("cannot resume " + cfg.outputDir() + ": configuration differs in " + diffs
                    + " (use a new output folder, or resume=false to start over)");
        }
    }

    /** Linear warm-up to the peak, then cosine decay to peak × minLrFactor at the last step. */
    double learningRate(int step) {
        return Seeds.warmupCosine(step, cfg.learningRate(), cfg.warmupSteps(), cfg.steps(), cfg.minLrFactor());
    }

    /** Encodes every pair once: beauty → sRGB, target → [−1, 1], at the processing resolution. */
    List<Sample> prepare(PairDataset data, ModelSpec spec) throws IOException {
        if (data.size() == 0) throw new IllegalArgumentException("the training set is empty");
        List<Sample> out = new ArrayList<>();
        for (int i = 0; i < data.size(); i++) {
            Sample s = encode(data.get(i), spec);
            if (spec.task().equals(ModelSpec.TASK_MASK) && cfg.foregroundWeight() != 1) {
                for (int k = 0; k < s.valid().length; k++) if (s.target()[0][k] > 0) s.valid()[k] *= (float) cfg.foregroundWeight();
            }
            out.add(s);
        }
        return out;
    }

    static Sample encode(TrainingPair p, ModelSpec spec) {
        boolean mask = spec.task().equals(ModelSpec.TASK_MASK);
        FloatImage beauty = InputEncoding.colour(p.beauty(), "beauty of " + p.id());
        FloatImage target = mask ? single(p.target(), p.id()) : InputEncoding.colour(p.target(), "albedo of " + p.id());
        int w = beauty.width(), h = beauty.height();
        float[] valid = new float[w * h];
        Arrays.fill(valid, 1f);
        beauty = sanitise(beauty, valid);
        target = sanitise(target, valid);
        FloatImage img = spec.encoding().encode(beauty);
        FloatImage tgt = mask ? target : AlbedoEncoding.toSrgb(target);
        int[] size = ImageOps.fitLongestSide(w, h, spec.inference().processingResolution());
        FloatImage validImg = new FloatImage(w, h, List.of("V"), new float[][] {valid});
        if (size[0] != w || size[1] != h) {
            img = ImageOps.resize(img, size[0], size[1], Resample.BILINEAR);
            tgt = ImageOps.resize(tgt, size[0], size[1], mask ? Resample.NEAREST : Resample.BILINEAR);
            validImg = ImageOps.resize(validImg, size[0], size[1], Resample.NEAREST);
        }
        float[][] t = new float[tgt.channelCount()][];
        for (int c = 0; c < t.length; c++) {
            float[] src = tgt.planes()[c];
            t[c] = new float[src.length];
            for (int i = 0; i < src.length; i++) {
                t[c][i] = mask ? (src[i] >= 0.5f ? 1f : -1f) : src[i] * 2 - 1;             // [0, 1] → [−1, 1]
            }
        }
        return new Sample(p.id(), img, t, validImg.planes()[0]);
    }

    private static FloatImage single(FloatImage m, String id) {
        if (m.channelCount() != 1) {
            throw new IllegalArgumentException("mask target of " + id + " must have one channel (Y), got " + m.channels());
        }
        return m.rename(List.of("Y"));
    }

    /** Non-finite values become 0 and their pixels invalid. */
    private static FloatImage sanitise(FloatImage img, float[] valid) {
        FloatImage c = img.copy();
        for (float[] p : c.planes()) {
            for (int i = 0; i < p.length; i++) {
                if (!Float.isFinite(p[i])) {
                    p[i] = 0;
                    valid[i] = 0;
                }
            }
        }
        return c;
    }

    static long mix(long a, long b, long c) {
        return Seeds.mix(a, b, c);
    }

    private final Map<Long, int[]> permutations = new LinkedHashMap<>();
    private int skippedBatches;
    private int skippedUpdates;

    /** Sample order for an epoch: a Fisher-Yates shuffle seeded by (data seed, epoch). */
    private int[] permutation(long epoch, int n) {
        int[] cached = permutations.get(epoch);
        if (cached != null) return cached;
        if (permutations.size() > 4) permutations.clear();
        return permutations.computeIfAbsent(epoch, e -> Seeds.permutation(cfg.dataSeed(), e, n));
    }

    private NDArray microBatchLoss(NDManager m, List<Sample> samples, int step, int micro, int cw, int ch,
                                   PixelUnshuffleCodec codec, NoiseScheduler scheduler, UNetDenoiser denoiser, ModelSpec spec) {
        int b = cfg.microBatch(), tc = spec.targetChannels();
        float[] img = new float[b * 3 * cw * ch], tgt = new float[b * tc * cw * ch], val = new float[b * tc * cw * ch];
        int n = samples.size();
        for (int k = 0; k < b; k++) {
            long g = ((long) step * cfg.gradAccumulation() + micro) * b + k;                 // global sample index
            Sample s = samples.get(permutation(g / n, n)[(int) (g % n)]);
            SplittableRandom aug = new SplittableRandom(mix(cfg.dataSeed(), g, 29));
            int w = s.image().width(), h = s.image().height();
            int x0 = aug.nextInt(w - cw + 1), y0 = aug.nextInt(h - ch + 1);
            boolean flip = cfg.horizontalFlip() && aug.nextBoolean();
            for (int y = 0; y < ch; y++) {
                for (int x = 0; x < cw; x++) {
                    int src = (y0 + y) * w + x0 + (flip ? cw - 1 - x : x);
                    int dst = y * cw + x;
                    for (int c = 0; c < 3; c++) img[(k * 3 + c) * cw * ch + dst] = s.image().planes()[c][src] * 2 - 1;
                    for (int c = 0; c < tc; c++) {
                        tgt[(k * tc + c) * cw * ch + dst] = s.target()[c][src];
                        val[(k * tc + c) * cw * ch + dst] = s.valid()[src];
                    }
                }
            }
        }
        NDArray imageLatent = codec.encode(m.create(img, new Shape(b, 3, ch, cw)));         // (B, 3f², h, w)
        NDArray targetLatent = codec.encode(m.create(tgt, new Shape(b, tc, ch, cw)));       // (B, tc·f², h, w)
        NDArray validLatent = codec.unshuffle(m.create(val, new Shape(b, tc, ch, cw)));
        SplittableRandom rng = new SplittableRandom(mix(cfg.trainSeed(), step, micro));
        float[] t = scheduler.sampleTrainingTimesteps(b, rng);
        float terminal = scheduler.timesteps(1)[0];
        for (int k = 0; k < b; k++) if (rng.nextDouble() < cfg.terminalFraction()) t[k] = terminal;
        float[] eps = Seeds.gaussian(rng, (int) targetLatent.size());
        NDArray noise = m.create(eps, targetLatent.getShape());
        NDArray noisy = scheduler.addNoise(targetLatent, noise, t);
        NDArray target = scheduler.target(targetLatent, noise, t);
        NDArray pred = denoiser.forward(NDArrays.concat(new NDList(imageLatent, noisy), 1), t, true);
        NDArray se = pred.sub(target).square().mul(validLatent);
        // the divisor as a tensor of this micro-batch's manager: autograd reads it in backward (see Tensors.scalar)
        return se.sum().div(validLatent.sum().add(1e-6f)).div(m.create((float) cfg.gradAccumulation()));
    }

    private PredictOptions validationOptions(ModelSpec spec) {
        return new PredictOptions(cfg.validationSteps(), 1, spec.inference().processingResolution(), Resample.BILINEAR,
                Reduction.MEDIAN, cfg.validationSeed(), 0, 0, 8);
    }

    private Evaluator.Result validate(UNetDenoiser d, PixelUnshuffleCodec codec, NoiseScheduler s, ModelSpec spec,
                                      NDManager m, List<TrainingPair> validation) {
        DensePredictor p = DensePredictor.borrowing(spec, codec, d, s, m);
        return Evaluator.evaluate(p, validation, validationOptions(spec));
    }

    private void visualise(Path file, UNetDenoiser d, PixelUnshuffleCodec codec, NoiseScheduler s, ModelSpec spec,
                           NDManager m, List<TrainingPair> validation) throws IOException {
        DensePredictor p = DensePredictor.borrowing(spec, codec, d, s, m);
        List<FloatImage[]> rows = new ArrayList<>();
        for (TrainingPair pair : validation.subList(0, Math.min(4, validation.size()))) {
            FloatImage in = p.inputEncoding().encode(pair.beauty());
            Prediction pr = p.predict(in, validationOptions(spec));
            FloatImage truth = spec.task().equals(ModelSpec.TASK_MASK) ? pair.target() : AlbedoEncoding.toSrgb(pair.target());
            rows.add(new FloatImage[] {in, pr.result(), truth});
        }
        Visualiser.write(file, rows);
    }

    private void saveCheckpoint(Path latest, ModelSpec spec, UNetDenoiser d, AdamW adam, List<String> names, int step,
                                List<String> history) throws IOException {
        Path parent = latest.getParent();
        Path tmp = parent.resolve(LATEST + ".tmp");
        if (Files.exists(tmp)) deleteTree(tmp);
        Files.createDirectories(tmp);
        new ModelCheckpoint(spec, d.exportWeights()).save(tmp.resolve(MODEL));
        Safetensors.write(tmp.resolve("optimizer.safetensors"), adam.moments(names), Map.of("step", Integer.toString(step)));
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("step", step);
        state.put("adamStep", adam.steps());
        state.put("savedAt", Instant.now().toString());
        state.put("rng", "stateless: noise/timesteps = f(trainSeed, step, micro); order/crops/flips = f(dataSeed, sample index)");
        state.put("parent", cfg.initFrom());
        state.put("config", cfg);
        state.put("history", history);
        ModelCheckpoint.JSON.writeValue(tmp.resolve("state.json").toFile(), state);
        publish(tmp, latest);
    }

    /**
     * Replaces the run's checkpoint folder {@code latest} by the fully written {@code tmp} (via {@code latest.old}), so
     * that a crash at any moment leaves one complete checkpoint on disk.
     */
    public static void publish(Path tmp, Path latest) throws IOException {
        Path old = latest.resolveSibling(latest.getFileName() + ".old");
        if (Files.exists(old)) deleteTree(old);
        if (Files.exists(latest)) Files.move(latest, old);
        Files.move(tmp, latest);
        if (Files.exists(old)) deleteTree(old);
    }

    /** A hard link to {@code src} (one stored copy in a content-addressed registry), or a copy where the file system refuses links. */
    public static void link(Path src, Path dst) throws IOException {
        Files.deleteIfExists(dst);
        try {
            Files.createLink(dst, src);
        } catch (IOException | UnsupportedOperationException e) {
            Files.copy(src, dst);
        }
    }

    public static void deleteTree(Path p) throws IOException {
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    private void say(String fmt, Object... args) {
        Trainer.say(log, Path.of(cfg.outputDir()), String.format(fmt, args));
    }

    /** A progress line to the console and, with a timestamp, to the run's {@code train.log} (every trainer logs so). */
    public static void say(java.io.PrintStream log, Path outputDir, String line) {
        log.println(line);
        try {
            Files.writeString(outputDir.resolve("train.log"), Instant.now() + " " + line + "\n",
                    StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        } catch (IOException ignored) {
            // the log file is a convenience
        }
    }
}
