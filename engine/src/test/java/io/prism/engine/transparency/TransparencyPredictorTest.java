package io.prism.engine.transparency;

import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Predictor;
import io.prism.engine.Predictors;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.Sd3Reference;
import io.prism.engine.image.Resample;
import io.prism.engine.Reduction;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.SplittableRandom;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The SD3 transparency folder behind Prism's Predictor: opened by Predictors.open for "mask", any frame size in and out. */
class TransparencyPredictorTest {

    static FloatImage frame(int w, int h, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[][] p = new float[3][w * h];
        for (float[] c : p) for (int i = 0; i < c.length; i++) c[i] = (float) r.nextDouble();
        return new FloatImage(w, h, List.of("R", "G", "B"), p);
    }

    @Test
    void sd3FolderOpensAsAMaskPredictorAndKeepsTheFramesSize() throws Exception {
        try (Predictor p = Predictors.open(Sd3Reference.tinyTransparency(), "mask", "cpu", 1, "fp32")) {
            assertThat(p).isInstanceOf(TransparencyPredictor.class);
            assertThat(p.task()).isEqualTo("mask");
            assertThat(p.defaultOptions().processingResolution()).isEqualTo(1024);
            // 45×30 → longest side 32 (32×21), padded to 32×32 for the VAE ×2 and patch 2
            PredictOptions o = new PredictOptions(2, 3, 32, Resample.BILINEAR, Reduction.MEAN, 7L, 0, 0, 0);
            Prediction a = p.predict(frame(45, 30, 1), o), b = p.predict(frame(45, 30, 1), o);
            assertThat(a.result().width()).isEqualTo(45);
            assertThat(a.result().height()).isEqualTo(30);
            assertThat(a.result().channels()).containsExactly("Y");
            float[] mask = a.result().planes()[0], prob = a.layers().get("probability").planes()[0];
            for (int i = 0; i < mask.length; i++) {
                assertThat(mask[i]).isEqualTo(prob[i] > 0.5f ? 1f : 0f);
                assertThat(prob[i]).isBetween(0f, 1f);
                assertThat(a.uncertainty().planes()[0][i]).isGreaterThanOrEqualTo(0f);
            }
            assertThat(b.layers().get("probability").planes()[0]).containsExactly(prob);       // seeded: reproducible
            assertThat(a.stats().meanUncertainty()).isGreaterThan(0);                          // three members disagree
            assertThat(a.stats().processedWidth()).isEqualTo(32);
            assertThat(a.stats().processedHeight()).isEqualTo(21);
        }
    }

    @Test
    void aFrameAtTheProcessingSizeIsExactlyThePipelinesRunOnIt() throws Exception {
        try (TransparencyPredictor p = TransparencyPredictor.open(Sd3Reference.tinyTransparency(), "mask", "cpu", 1, "fp32")) {
            FloatImage img = frame(48, 32, 2);
            PredictOptions o = new PredictOptions(2, 2, 48, Resample.BILINEAR, Reduction.MEAN, 5L, 0, 0, 1);
            Prediction viaPredictor = p.predict(img, o);
            float[] chw = new float[3 * 48 * 32];
            for (int c = 0; c < 3; c++) System.arraycopy(img.planes()[c], 0, chw, c * 48 * 32, 48 * 32);
            try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
                TransparencyPipeline.Output direct = p.pipeline().run(m.create(chw, new ai.djl.ndarray.types.Shape(1, 3, 32, 48)),
                        new TransparencyPipeline.Settings(2, 2, 1, TransparencyPipeline.Posterior.MEAN, 5L, null, null), null);
                assertThat(viaPredictor.layers().get("probability").planes()[0]).containsExactly(direct.probability());
                assertThat(viaPredictor.result().planes()[0]).containsExactly(direct.mask());
                assertThat(viaPredictor.uncertainty().planes()[0]).containsExactly(direct.spread());
            }
        }
    }

    @Test
    void precomputedConditioningReplacesTheTextEncoders(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Path src = Sd3Reference.tinyTransparency(), folder = dir.resolve("sd3");
        for (String c : List.of("transformer", "vae", "scheduler")) {
            java.nio.file.Files.createDirectories(folder.resolve(c));
            try (var files = java.nio.file.Files.list(src.resolve(c))) {
                for (java.nio.file.Path f : files.toList()) java.nio.file.Files.copy(f, folder.resolve(c).resolve(f.getFileName()));
            }
        }
        java.nio.file.Files.copy(src.resolve("model_index.json"), folder.resolve("model_index.json"));
        io.prism.engine.diffusers.SafetensorsFile text = Sd3Reference.open("text.safetensors");
        try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager()) {
            io.prism.engine.diffusers.transformers.EmptyPromptEmbedding.saveSd3(new io.prism.engine.diffusers.transformers.EmptyPromptEmbedding.SD3(
                    io.prism.engine.diffusers.MarigoldReference.tensor(m, text, "prompt_embeds"),
                    io.prism.engine.diffusers.MarigoldReference.tensor(m, text, "pooled_prompt_embeds")),
                    folder.resolve(TransparencyPredictor.PROMPT_EMBEDS_FILE));
        }
        PredictOptions o = new PredictOptions(1, 1, 32, Resample.BILINEAR, Reduction.MEAN, 3L, 0, 0, 0);
        try (Predictor stored = Predictors.open(folder, "mask", "cpu", 1, "fp32");
             Predictor computed = Predictors.open(src, "mask", "cpu", 1, "fp32")) {
            float[] a = stored.predict(frame(32, 32, 4), o).layers().get("probability").planes()[0];
            float[] b = computed.predict(frame(32, 32, 4), o).layers().get("probability").planes()[0];
            for (int i = 0; i < a.length; i++) assertThat(a[i]).isCloseTo(b[i], org.assertj.core.api.Assertions.within(1e-5f));
        }
    }

    @Test
    void refusesATaskOtherThanMask() {
        assertThatThrownBy(() -> Predictors.open(Sd3Reference.tinyTransparency(), "albedo", "cpu", 1, "fp32"))
                .isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("mask").hasMessageContaining("albedo");
    }
}
