package io.prism.engine.marigold.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.prism.engine.Engines;
import io.prism.vision.color.InputEncoding;
import io.prism.engine.ModelImport;
import io.prism.engine.PredictOptions;
import io.prism.engine.Reduction;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.eval.Evaluator;
import io.prism.engine.image.Resample;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.marigold.MarigoldPipeline;
import io.prism.engine.marigold.MarigoldPredictor;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import io.prism.engine.tools.SimulatedPairs;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.TrainingPair;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Fine-tuning the tiny Marigold-IID checkpoint (random weights, diffusers layout) on pairs rendered by the simulator,
 * on CPU: the loss and the holdout error fall, a stopped and resumed run ends bit-identical, an SD2 base is widened
 * exactly as Marigold's formula says, cached latents equal a fresh encode, and bad bases / resumes are refused.
 */
class MarigoldTrainerTest {
    static List<TrainingPair> train;
    static List<TrainingPair> holdout;

    @BeforeAll
    static void render() {
        MarigoldReference.tinyIid();                                          // skips without the fixtures
        Engines.pytorch(1);
        train = SimulatedPairs.render("albedo", "studio", 1000, 6, 1, 32, 4, 1);
        holdout = SimulatedPairs.render("albedo", "studio", 9000, 3, 1, 32, 4, 1);
    }

    static MarigoldTrainConfig config(Path base, Path out, int steps) {
        return MarigoldTrainConfig.defaults(base.toString(), out.toString()).withSteps(steps).withBatch(2, 2)
                .withLearningRate(1e-3, 2).withEvery(0, 0, 0).withThreads(1).withProcessingResolution(32).withCommand("test");
    }

    static PairDataset data() {
        return PairDataset.of(train, SimulatedPairs.describe("studio", 1000, 4, 1, 32, 4));
    }

    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream());

    @Test
    void aShortFineTuneLowersTheTrainingLossAndTheHoldoutError(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        MarigoldTrainer.Result r = new MarigoldTrainer(config(MarigoldReference.tinyIid(), dir, 30).withEvery(0, 0, 30),
                new PrintStream(progress)).train(data(), holdout);
        assertThat(r.finished()).isTrue();
        double first = mean(r.losses(), 0, 5), last = mean(r.losses(), 25, 30);
        assertThat(last).as("mean loss of the last 5 steps vs the first 5").isLessThan(first * 0.8);
        assertThat(r.holdoutLossAfter()).as("holdout objective").isLessThan(r.holdoutLossBefore() * 0.8);
        assertThat(progress.toString()).contains("step/s", "ETA", "30/30");
        assertThat(dir.resolve("visualisations/step-000030.png")).exists();

        // the holdout error of what inference produces: the 1-step prediction's albedo latent against the encoded truth
        // (the tiny checkpoint's VAE has random weights, so pixel PSNR says little; it is printed for the record)
        PredictOptions o = new PredictOptions(1, 1, 32, Resample.BILINEAR, Reduction.MEDIAN, 0, 0, 0, 1);
        double before = predictionLatentError(MarigoldReference.tinyIid(), dir.resolve("x"));
        double after = predictionLatentError(r.modelDir(), dir.resolve("y"));
        assertThat(after).as("holdout albedo-latent error after vs before").isLessThan(before * 0.8);
        try (MarigoldPredictor p = MarigoldPredictor.open(r.modelDir(), "albedo", "cpu", 1, "fp32")) {
            System.out.printf("loss %.4f -> %.4f, holdout loss %.4f -> %.4f, albedo latent error %.4f -> %.4f, PSNR after %.2f dB%n", first, last,
                    r.holdoutLossBefore(), r.holdoutLossAfter(), before, after, Evaluator.evaluate(p, holdout, o).psnr());
        }

        // only the UNet is new; every other component is the base's file, and the folder imports as a servable model
        Path base = MarigoldReference.tinyIid(), model = r.modelDir();
        for (String same : List.of("model_index.json", "scheduler/scheduler_config.json", "vae/config.json",
                "vae/diffusion_pytorch_model.safetensors", "unet/config.json")) {
            assertThat(Files.mismatch(base.resolve(same), model.resolve(same))).as(same).isEqualTo(-1L);
        }
        assertThat(Files.mismatch(base.resolve("unet/diffusion_pytorch_model.safetensors"),
                model.resolve("unet/diffusion_pytorch_model.safetensors"))).isNotEqualTo(-1L);
        assertThat(model.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE)).exists();
        assertThat(model.resolve("text_encoder")).doesNotExist();
        ModelImport imported = ModelImport.prepare(model, "albedo", dir.resolve("import"));
        assertThat(imported.files()).containsKeys("unet/diffusion_pytorch_model.safetensors", MarigoldCheckpoint.PROMPT_EMBEDS_FILE);
    }

    @Test
    void gradientCheckpointingTrainsLikeAPlainBackwardPass(@TempDir Path dir) throws Exception {
        Path tiny = MarigoldReference.tinyIid();
        MarigoldTrainer.Result plain = new MarigoldTrainer(config(tiny, dir.resolve("a"), 3), QUIET).train(data(), List.of());
        MarigoldTrainer.Result checkpointed = new MarigoldTrainer(config(tiny, dir.resolve("b"), 3).withGradientCheckpointing(true), QUIET)
                .train(data(), List.of());
        for (int s = 0; s < 3; s++) {
            assertThat(checkpointed.losses()[s]).as("loss at step " + (s + 1))
                    .isCloseTo(plain.losses()[s], org.assertj.core.data.Percentage.withPercentage(1e-3));
        }
        Map<String, float[]> a = weights(plain.modelDir()), b = weights(checkpointed.modelDir());
        assertThat(b.keySet()).isEqualTo(a.keySet());
        // the gradients agree to float summation order, and Adam scales each element's update to ~lr whatever the
        // gradient's size; in down block 0 (32 channels, 32 groups) everything added per channel before a resnet's second
        // GroupNorm (conv1's bias, the time-embedding projection) is normalised away, so its gradient is float noise
        // whose sign differs between the two runs: those elements may differ by up to lr per step, all others agree
        java.util.regex.Pattern noiseOnly = java.util.regex.Pattern.compile("down_blocks\\.0\\.resnets\\.\\d\\.(conv1\\.bias|time_emb_proj\\..*)");
        double worst = 0, worstNoise = 0;
        for (String k : a.keySet()) {
            for (int i = 0; i < a.get(k).length; i++) {
                double d = Math.abs(a.get(k)[i] - b.get(k)[i]);
                if (noiseOnly.matcher(k).matches()) worstNoise = Math.max(worstNoise, d);
                else worst = Math.max(worst, d);
            }
        }
        System.out.printf("checkpointed vs plain after 3 steps: weights differ by at most %.3g (%.3g where the gradient is noise)%n",
                worst, worstNoise);
        assertThat(worst).as("largest weight difference outside the zero-gradient tensors").isLessThan(1e-5);
        assertThat(worstNoise).as("largest difference where the gradient is noise (lr 1e-3, 3 steps)").isLessThan(3e-3);
    }

    @Test
    void stoppingAndResumingGivesBitIdenticalUNetWeights(@TempDir Path dir) throws Exception {
        Path tiny = MarigoldReference.tinyIid();
        MarigoldTrainer.Result straight = new MarigoldTrainer(config(tiny, dir.resolve("a"), 4), QUIET).train(data(), List.of());
        MarigoldTrainer.Result halted = new MarigoldTrainer(config(tiny, dir.resolve("b"), 4).withHaltAfterStep(2), QUIET)
                .train(data(), List.of());
        assertThat(halted.finished()).isFalse();
        assertThat(halted.step()).isEqualTo(2);
        Map<String, float[]> atStep2 = weights(halted.checkpointDir().resolve("unet"));
        MarigoldTrainer.Result resumed = new MarigoldTrainer(config(tiny, dir.resolve("b"), 4), QUIET).train(data(), List.of());
        assertThat(resumed.finished()).isTrue();
        assertThat(resumed.losses()).hasSize(2);
        Map<String, float[]> a = weights(straight.modelDir()), b = weights(resumed.modelDir());
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String k : a.keySet()) assertThat(b.get(k)).as(k).containsExactly(a.get(k));
        // and training moved the weights between step 2 and step 4 (a resume that restarted or skipped would not match)
        boolean differs = false;
        for (String k : a.keySet()) differs |= !java.util.Arrays.equals(a.get(k), atStep2.get(k));
        assertThat(differs).as("step-2 weights differ from step-4 weights").isTrue();
    }

    @Test
    void anSd2BaseGetsConvInWidenedByTheFormulaAndConvOutRepeated(@TempDir Path dir) throws Exception {
        Path base = sd2Base(dir.resolve("sd2"));
        FineTuneBase b = FineTuneBase.read(base, "albedo", 32);
        assertThat(b.widen()).isTrue();
        assertThat(b.unetConfig().inChannels()).isEqualTo(8);
        assertThat(b.unetConfig().outChannels()).isEqualTo(4);
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            Path start = b.startingUNet(dir.resolve("initial"), m);
            Map<String, float[]> widened = weights(start), original = weights(base.resolve("unet"));
            SafetensorsFile file = SafetensorsFile.open(base.resolve("unet/diffusion_pytorch_model.safetensors"));
            long[] s = file.entry("conv_in.weight").shape();                      // (32, 4, 3, 3)
            int o = (int) s[0], c = (int) s[1], kk = (int) (s[2] * s[3]), copies = 2;
            float[] w = original.get("conv_in.weight"), expected = new float[o * c * copies * kk];
            for (int i = 0; i < o; i++) {
                for (int j = 0; j < c * copies; j++) {
                    for (int k = 0; k < kk; k++) expected[(i * c * copies + j) * kk + k] = w[(i * c + j % c) * kk + k] / copies;
                }
            }
            assertThat(widened.get("conv_in.weight")).containsExactly(expected);
            assertThat(widened.get("conv_out.weight")).containsExactly(original.get("conv_out.weight"));   // one target: as it was
            for (String k : original.keySet()) {
                if (!k.equals("conv_in.weight")) assertThat(widened.get(k)).as(k).containsExactly(original.get(k));
            }
            assertThat(UNet2DConditionModel.load(start, null, m, DataType.FLOAT32, false).config().inChannels()).isEqualTo(8);
        }
        FloatTensor head = new FloatTensor(new long[] {2, 1}, new float[] {1, 2});
        assertThat(FineTuneBase.repeatOutputs(head, 3).data()).containsExactly(1, 2, 1, 2, 1, 2);
        assertThat(FineTuneBase.repeatOutputs(head, 3).shape()).containsExactly(6, 1);

        // two steps from the SD2 base give a Marigold-IID folder with one target (albedo) that the engine serves
        MarigoldTrainer.Result r = new MarigoldTrainer(config(base, dir.resolve("run"), 2), QUIET).train(data(), List.of());
        MarigoldCheckpoint out = MarigoldCheckpoint.read(r.modelDir());
        assertThat(out.targets()).extracting(MarigoldCheckpoint.Target::name).containsExactly("albedo");
        try (MarigoldPredictor p = MarigoldPredictor.open(r.modelDir(), "albedo", "cpu", 1, "fp32")) {
            assertThat(p.pipeline().unet().config().inChannels()).isEqualTo(8);
        }
    }

    @Test
    void cachedLatentsEqualAFreshVaeEncode() {
        try (MarigoldPredictor p = MarigoldPredictor.open(MarigoldReference.tinyIid(), "albedo", "cpu", 1, "fp32");
             NDManager m = Engines.pytorch(1).newBaseManager()) {
            MarigoldPipeline pipe = p.pipeline();
            LatentCache cache = LatentCache.build(holdout.subList(0, 2), 32, true, pipe.vae(), pipe.checkpoint(), "albedo", pipe,
                    4, 7, m);
            for (int i = 0; i < 2; i++) {
                TrainingPair pair = holdout.get(i);
                LatentCache.Entry e = cache.get(i, false);
                // the inference pipeline's own encode of the same frame ("image_latent"), and of the albedo as if it were an input
                float[] image = pipelineImageLatent(pipe, InputEncoding.DEFAULT.encode(pair.beauty()));
                float[] albedo = pipelineImageLatent(pipe, io.prism.engine.AlbedoEncoding.toSrgb(pair.target()));
                assertThat(e.image()).as("image latent").containsExactly(image);
                int plane = 4 * e.height() * e.width();
                assertThat(java.util.Arrays.copyOfRange(e.targets(), 0, plane)).as("albedo latent").containsExactly(albedo);
                // material has no ground truth: the starting model's prediction with the same seed
                MarigoldPipeline.Output o = pipe.run(List.of(InputEncoding.DEFAULT.encode(pair.beauty())),
                        new MarigoldPipeline.Settings(4, 1, 32, false, 1, "median", false, 7, null), null);
                assertThat(java.util.Arrays.copyOfRange(e.targets(), plane, 2 * plane)).as("material pseudo-label")
                        .containsExactly(java.util.Arrays.copyOfRange(o.latents(), plane, 2 * plane));
                // the flipped entry is the encode of the flipped frame, not the flipped latent
                float[] flipped = pipelineImageLatent(pipe, io.prism.engine.image.ImageOps.flipHorizontal(
                        InputEncoding.DEFAULT.encode(pair.beauty())));
                assertThat(cache.get(i, true).image()).containsExactly(flipped);
            }
        }
    }

    @Test
    void refusesBadBasesAndAResumeFromAnotherArchitectureWithoutWriting(@TempDir Path dir) throws Exception {
        // a base without one of its component folders (the text encoder counts only without a stored prompt embedding)
        for (String component : List.of("unet", "vae", "scheduler", "text_encoder")) {
            Path incomplete = copyTree(MarigoldReference.tinyIid(), dir.resolve("no-" + component));
            deleteTree(incomplete.resolve(component));
            Path out = dir.resolve("r-no-" + component);
            assertThatThrownBy(() -> new MarigoldTrainer(config(incomplete, out, 2), QUIET).train(data(), List.of()))
                    .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining(component).hasMessageContaining("component folder missing")
                    .satisfies(MarigoldTrainerTest::isOneLine);
            assertThat(out).as("nothing written without " + component).doesNotExist();
        }

        // a Marigold index with one target over a UNet made for two
        Path mismatch = copyTree(MarigoldReference.tinyIid(), dir.resolve("mismatch"));
        String index = Files.readString(mismatch.resolve("model_index.json")).replace("\"material\"\n    ]", "\n    ]")
                .replace("\"albedo\",", "\"albedo\"");
        Files.writeString(mismatch.resolve("model_index.json"), index);
        assertThatThrownBy(() -> new MarigoldTrainer(config(mismatch, dir.resolve("r2"), 2), QUIET).train(data(), List.of()))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("in_channels 12").hasMessageContaining("1 target")
                .satisfies(MarigoldTrainerTest::isOneLine);
        assertThat(dir.resolve("r2")).doesNotExist();

        // a task the checkpoint has no target for, and a plain SD base whose UNet is not 4 -> 4
        assertThatThrownBy(() -> FineTuneBase.read(MarigoldReference.tinyIid(), "depth", 32))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("has no 'depth' target")
                .satisfies(MarigoldTrainerTest::isOneLine);
        Path wideSd = sd2Base(dir.resolve("sd-wide"));
        Files.writeString(wideSd.resolve("unet/config.json"), Files.readString(wideSd.resolve("unet/config.json"))
                .replace("\"in_channels\": 4", "\"in_channels\": 8"));
        assertThatThrownBy(() -> new MarigoldTrainer(config(wideSd, dir.resolve("r4"), 2), QUIET).train(data(), List.of()))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("in_channels 4 and out_channels 4")
                .satisfies(MarigoldTrainerTest::isOneLine);
        assertThat(dir.resolve("r4")).doesNotExist();

        // a run halted on one model: resumed with other settings, or after its base folder was replaced by another
        // architecture — refused, and the run folder stays exactly as it was
        Path base = copyTree(MarigoldReference.tinyIid(), dir.resolve("base"));
        Path run = dir.resolve("r3");
        new MarigoldTrainer(config(base, run, 3).withHaltAfterStep(1), QUIET).train(data(), List.of());
        Map<String, Long> before = listing(run);
        assertThatThrownBy(() -> new MarigoldTrainer(config(base, run, 3).withLearningRate(5e-4, 2), QUIET).train(data(), List.of()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("configuration differs in [learning rate]")
                .satisfies(MarigoldTrainerTest::isOneLine);
        assertThat(listing(run)).isEqualTo(before);
        deleteTree(base);
        sd2Base(base);
        assertThatThrownBy(() -> new MarigoldTrainer(config(base, run, 3), QUIET).train(data(), List.of()))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("another architecture")
                .satisfies(MarigoldTrainerTest::isOneLine);
        assertThat(listing(run)).isEqualTo(before);
    }

    /** A refusal is one line (what `prism train` prints after its name). */
    static void isOneLine(Throwable e) {
        assertThat(e.getMessage()).as("one line").doesNotContain("\n");
    }

    // ---- helpers

    /** Mean squared error between a folder's 1-step albedo latents (seed 0) and the encoded ground truth, over the holdout. */
    static double predictionLatentError(Path model, Path scratch) {
        try (MarigoldPredictor p = MarigoldPredictor.open(model, "albedo", "cpu", 1, "fp32");
             NDManager m = Engines.pytorch(1).newBaseManager()) {
            MarigoldPipeline pipe = p.pipeline();
            LatentCache truth = LatentCache.build(holdout, 32, false, pipe.vae(), pipe.checkpoint(), "albedo", pipe, 1, 0, m);
            double se = 0;
            long n = 0;
            for (int i = 0; i < holdout.size(); i++) {
                float[] predicted = pipe.run(List.of(InputEncoding.DEFAULT.encode(holdout.get(i).beauty())),
                        new MarigoldPipeline.Settings(1, 1, 32, false, 1, "median", false, 0, null), null).latents();
                float[] expected = truth.get(i, false).targets();
                int plane = expected.length / pipe.checkpoint().targets().size();      // albedo is target 0
                for (int k = 0; k < plane; k++) {
                    double d = predicted[k] - expected[k];
                    se += d * d;
                    n++;
                }
            }
            return se / n;
        }
    }

    static double mean(double[] a, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) s += a[i];
        return s / (to - from);
    }

    static Map<String, float[]> weights(Path unetDirOrModel) throws IOException {
        Path f = unetDirOrModel.resolve("diffusion_pytorch_model.safetensors");
        if (!Files.exists(f)) f = unetDirOrModel.resolve("unet/diffusion_pytorch_model.safetensors");
        Map<String, float[]> out = new LinkedHashMap<>();
        for (var e : Safetensors.read(f).entrySet()) out.put(e.getKey(), e.getValue().data());
        return out;
    }

    static float[] pipelineImageLatent(MarigoldPipeline pipe, io.prism.vision.image.FloatImage srgb) {
        float[][] out = new float[1][];
        pipe.run(List.of(srgb), new MarigoldPipeline.Settings(1, 1, 32, false, 1, "median", false, 0, null), (k, v) -> {
            if (k.equals("image_latent")) out[0] = v.toType(DataType.FLOAT32, false).toFloatArray();
        });
        return out[0];
    }

    /**
     * A plain Stable-Diffusion-style folder (StableDiffusionPipeline, UNet 4 → 4 channels) made from the tiny checkpoint:
     * its UNet with conv_in cut to the first 4 input channels and conv_out to the first 4 outputs.
     */
    static Path sd2Base(Path dir) throws IOException {
        Path tiny = MarigoldReference.tinyIid();
        for (String c : List.of("vae", "scheduler", "text_encoder", "tokenizer")) copyTree(tiny.resolve(c), dir.resolve(c));
        Files.createDirectories(dir.resolve("unet"));
        Files.writeString(dir.resolve("model_index.json"), "{\"_class_name\": \"StableDiffusionPipeline\", \"_diffusers_version\": \"0.39.0\"}");
        Files.writeString(dir.resolve("unet/config.json"), Files.readString(tiny.resolve("unet/config.json"))
                .replace("\"in_channels\": 12", "\"in_channels\": 4").replace("\"out_channels\": 8", "\"out_channels\": 4"));
        Map<String, FloatTensor> w = new LinkedHashMap<>();
        for (var e : Safetensors.read(tiny.resolve("unet/diffusion_pytorch_model.safetensors")).entrySet()) {
            FloatTensor t = e.getValue();
            w.put(e.getKey(), switch (e.getKey()) {
                case "conv_in.weight" -> firstInputs(t, 4);
                case "conv_out.weight", "conv_out.bias" -> new FloatTensor(with0(t.shape(), 4), java.util.Arrays.copyOf(t.data(),
                        (int) (t.data().length / t.shape()[0] * 4)));
                default -> t;
            });
        }
        Safetensors.write(dir.resolve("unet/diffusion_pytorch_model.safetensors"), w, Map.of("format", "pt"));
        return dir;
    }

    private static long[] with0(long[] s, long v) {
        long[] c = s.clone();
        c[0] = v;
        return c;
    }

    private static FloatTensor firstInputs(FloatTensor t, int keep) {
        long o = t.shape()[0], c = t.shape()[1], kk = t.shape()[2] * t.shape()[3];
        float[] d = new float[(int) (o * keep * kk)];
        for (int i = 0; i < o; i++) System.arraycopy(t.data(), (int) (i * c * kk), d, (int) (i * keep * kk), (int) (keep * kk));
        return new FloatTensor(new long[] {o, keep, t.shape()[2], t.shape()[3]}, d);
    }

    static Path copyTree(Path src, Path dst) throws IOException {
        try (Stream<Path> s = Files.walk(src)) {
            for (Path p : s.toList()) {
                Path q = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(q);
                else Files.copy(p, q);
            }
        }
        return dst;
    }

    static void deleteTree(Path p) throws IOException {
        io.prism.engine.train.Trainer.deleteTree(p);
    }

    static Map<String, Long> listing(Path dir) throws IOException {
        Map<String, Long> out = new java.util.TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) out.put(dir.relativize(p).toString(), Files.getLastModifiedTime(p).toMillis() ^ Files.size(p));
        }
        return out;
    }
}
