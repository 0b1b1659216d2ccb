package io.prism.engine;

import io.prism.vision.color.InputEncoding;
import io.prism.engine.image.Resample;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.model.UNetDenoiser;
import io.prism.vision.image.FloatImage;
import ai.djl.ndarray.NDManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The pipeline on a tiny randomly initialised network (behaviour, not quality). */
class DensePredictorTest {
    static DensePredictor albedo;
    static DensePredictor mask;

    static ModelCheckpoint random(String task) {
        ModelSpec spec = ModelSpec.compact("tiny-" + task, task, 2, List.of(8, 16), 4, 32);
        try (NDManager m = Engines.pytorch(1).newBaseManager(); UNetDenoiser d = new UNetDenoiser(spec.unet(), m)) {
            d.initialise(3);
            // non-zero output layer so that noise reaches the output and seeds matter
            var w = d.exportWeights();
            w.replaceAll((k, t) -> k.contains("conv_out") || k.contains("conv2") ? jitter(t) : t);
            return new ModelCheckpoint(spec, w);
        }
    }

    static io.prism.engine.model.FloatTensor jitter(io.prism.engine.model.FloatTensor t) {
        float[] d = t.data().clone();
        for (int i = 0; i < d.length; i++) d[i] = (float) Math.sin(i * 12.9898) * 0.05f;
        return new io.prism.engine.model.FloatTensor(t.shape(), d);
    }

    @BeforeAll
    static void open() {
        albedo = DensePredictor.create(random("albedo"), "cpu", 1);
        mask = DensePredictor.create(random("mask"), "cpu", 1);
    }

    @AfterAll
    static void close() {
        albedo.close();
        mask.close();
    }

    static FloatImage image(int w, int h) {
        return Synthetic.albedoPair(w * 31L + h, w, h).beauty();
    }

    @Test
    void anySizeComesBackAtInputSizeWithAlbedoInUnitRange() {
        FloatImage in = InputEncoding.DEFAULT.encode(image(45, 29));
        Prediction p = albedo.predict(in, albedo.defaultOptions().withEnsembleSize(3).withSteps(2));
        assertThat(p.result().width()).isEqualTo(45);
        assertThat(p.result().height()).isEqualTo(29);
        assertThat(p.result().channels()).containsExactly("R", "G", "B");
        assertThat(p.uncertainty().channels()).containsExactly("R", "G", "B");
        for (float[] pl : p.result().planes()) for (float v : pl) assertThat(v).isBetween(0f, 1f);
        assertThat(p.stats().processedWidth()).isEqualTo(32);                // longest side → 32
        assertThat(p.stats().meanUncertainty()).isGreaterThan(0);
    }

    @Test
    void sameSeedSameResultOtherSeedOtherResultAndBatchingDoesNotMatter() {
        FloatImage a = InputEncoding.DEFAULT.encode(image(32, 32)), b = InputEncoding.DEFAULT.encode(image(32, 24));
        PredictOptions o = albedo.defaultOptions().withEnsembleSize(2).withSeed(5).withBatchSize(1);
        Prediction p1 = albedo.predict(a, o);
        Prediction p2 = albedo.predict(a, o);
        assertThat(p2.result()).isEqualTo(p1.result());
        Prediction p3 = albedo.predict(a, o.withSeed(6));
        assertThat(p3.result()).isNotEqualTo(p1.result());
        List<Prediction> both = albedo.predict(List.of(b, a), o.withBatchSize(4));
        for (int c = 0; c < 3; c++) {
            float[] x = both.get(1).result().planes()[c], y = p1.result().planes()[c];
            for (int i = 0; i < x.length; i++) assertThat(Math.abs(x[i] - y[i])).isLessThan(1e-4f);
        }
    }

    /** PyTorch's grad mode is per thread and on by default: predict turns it off itself and restores the caller's. */
    @Test
    void predictRecordsNoAutogradOnAFreshThreadAndRestoresTheCallersGradMode() throws Exception {
        boolean[] seen = new boolean[3];
        Thread t = new Thread(() -> {
            seen[0] = ai.djl.pytorch.jni.JniUtils.isGradMode();             // a new thread starts with it on
            albedo.predict(InputEncoding.DEFAULT.encode(image(16, 16)), albedo.defaultOptions());
            seen[1] = ai.djl.pytorch.jni.JniUtils.isGradMode();             // still on for the caller afterwards
            Engines.gradMode(false);
            albedo.predict(InputEncoding.DEFAULT.encode(image(16, 16)), albedo.defaultOptions());
            seen[2] = ai.djl.pytorch.jni.JniUtils.isGradMode();             // and still off when it was off
        });
        t.start();
        t.join();
        assertThat(seen).containsExactly(true, true, false);
    }

    @Test
    void masksAreBinaryAfterMeanAndThreshold() {
        FloatImage in = InputEncoding.DEFAULT.encode(image(40, 24));
        Prediction p = mask.predict(in, mask.defaultOptions().withEnsembleSize(3).withResample(Resample.BICUBIC));
        assertThat(p.result().channels()).containsExactly("Y");
        for (float v : p.result().planes()[0]) assertThat(v == 0f || v == 1f).isTrue();
    }

    @Test
    void tiledInferenceCoversBigFramesAndBlendsSeams() {
        FloatImage in = InputEncoding.DEFAULT.encode(image(70, 40));
        PredictOptions o = albedo.defaultOptions().withProcessingResolution(0).withTiling(32, 8);
        Prediction p = albedo.predict(in, o);
        assertThat(p.stats().tiles()).isEqualTo(6);                          // 3 × 2 tiles of 32 over 70 × 40
        assertThat(p.result().width()).isEqualTo(70);
        assertThat(DensePredictor.tiles(70, 40, 32, 8)).allSatisfy(r -> {
            assertThat(r[0] + r[2]).isLessThanOrEqualTo(70);
            assertThat(r[1] + r[3]).isLessThanOrEqualTo(40);
        });
        assertThat(DensePredictor.tiles(30, 20, 32, 8)).hasSize(1);
    }

    @Test
    void medianWithMadAndMeanWithUnbiasedStdAsTorch() {
        float[][][] members = {{{1f}}, {{2f}}, {{10f}}};
        float[][][] med = Ensembler.reduce(members, Reduction.MEDIAN);
        assertThat(med[0][0][0]).isEqualTo(2f);
        assertThat(med[1][0][0]).isEqualTo(1f);                              // |1−2|, |2−2|, |10−2| → median 1
        float[][][] mean = Ensembler.reduce(members, Reduction.MEAN);
        assertThat(mean[0][0][0]).isEqualTo(13f / 3);
        assertThat(mean[1][0][0]).isCloseTo((float) Math.sqrt(((1 - 13 / 3.0) * (1 - 13 / 3.0) + (2 - 13 / 3.0) * (2 - 13 / 3.0)
                + (10 - 13 / 3.0) * (10 - 13 / 3.0)) / 2), org.assertj.core.api.Assertions.within(1e-5f));
        // an even count: torch.median gives the lower middle value, not the average of the two
        assertThat(Ensembler.reduce(new float[][][] {{{4f}}, {{1f}}, {{3f}}, {{2f}}}, Reduction.MEDIAN)[0][0][0]).isEqualTo(2f);
    }

    @Test
    void badInputsGetClearErrors() {
        PredictOptions o = albedo.defaultOptions();
        assertThatThrownBy(() -> albedo.predict(FloatImage.blank(8, 8, List.of("BY", "RY", "Y")), o))
                .hasMessageContaining("must have colour channels R, G, B");
        FloatImage nan = FloatImage.blank(8, 8, List.of("R", "G", "B"));
        nan.set(0, 1, 1, Float.NaN);
        assertThatThrownBy(() -> albedo.predict(nan, o)).hasMessageContaining("non-finite");
        assertThatThrownBy(() -> o.withSteps(0)).hasMessageContaining("steps");
        assertThatThrownBy(() -> o.withEnsembleSize(0)).hasMessageContaining("ensembleSize");
        assertThatThrownBy(() -> Engines.device("tpu:0")).hasMessageContaining("unknown device");
        assertThatThrownBy(() -> Engines.device("gpu:7")).hasMessageContaining("GPU");
    }
}
