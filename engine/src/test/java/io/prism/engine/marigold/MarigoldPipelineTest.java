package io.prism.engine.marigold;

import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The whole Marigold-IID pipeline on the tiny random-weight checkpoint against diffusers' own runs (1 and 4 steps,
 * ensemble 1 and 3, the fixtures' initial latents): every intermediate on the way, then the final prediction,
 * uncertainty and latents within the fixture README's tolerances. The empty-prompt embedding is computed by Prism's
 * CLIP from the checkpoint's tokenizer and text encoder.
 */
class MarigoldPipelineTest {
    static MarigoldPredictor predictor;

    @BeforeAll
    static void load() {
        predictor = MarigoldPredictor.open(MarigoldReference.tinyIid(), "albedo", "cpu", 1, "fp32");
    }

    @AfterAll
    static void close() {
        if (predictor != null) predictor.close();
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"pipeline_s1_e1, 1, 1", "pipeline_s4_e1, 4, 1", "pipeline_s4_e3, 4, 3"})
    void matchesDiffusersStepByStep(String name, int steps, int ensemble) {
        SafetensorsFile out = MarigoldReference.open(name + ".safetensors");
        SafetensorsFile mid = MarigoldReference.open(name + "_intermediates.safetensors");
        FloatImage image = nchwImage(out, "image");
        MarigoldPipeline.Settings s = new MarigoldPipeline.Settings(steps, ensemble, 32, true, 1, "median", ensemble > 1, 0L,
                out.floats("latents"));
        Map<String, Double> diffs = new LinkedHashMap<>();
        MarigoldPipeline.Output r = predictor.pipeline().run(List.of(image), s, (key, value) -> {
            if (mid.entries().containsKey(key)) diffs.put(key, MarigoldReference.maxAbsDiff(value, mid, key) / Math.max(1, MarigoldReference.maxAbs(mid, key)));
        });
        // the intermediates, in pipeline order (relative to max|reference|): the first one off names the broken stage
        assertThat(diffs).containsKeys("preprocessed_image", "image_latent", "member0_step0_unet_out", "decode0_out");
        diffs.forEach((key, d) -> assertThat(d).as(name + " " + key).isLessThan(2e-5));

        assertThat(maxDiff(r.latents(), out.floats("latent_out"))).as("latent_out").isLessThan(2e-5);
        List<FloatImage> targets = r.predictions().get(0);
        assertThat(targets).hasSize(2);
        assertThat(maxDiff(nhwc(targets), out.floats("prediction"))).as("prediction").isLessThan(1e-5);
        if (ensemble > 1) {
            assertThat(maxDiff(nhwc(r.uncertainties().get(0)), out.floats("uncertainty"))).as("uncertainty").isLessThan(1e-5);
        }
        assertThat(r.processedWidth()).isEqualTo(32);
        assertThat(r.processedHeight()).isEqualTo(21);
    }

    /** (1, 3, H, W) fixture tensor → an R, G, B image. */
    static FloatImage nchwImage(SafetensorsFile f, String name) {
        long[] s = f.entry(name).shape();
        int h = (int) s[2], w = (int) s[3];
        float[] v = f.floats(name);
        float[][] planes = new float[3][];
        for (int c = 0; c < 3; c++) planes[c] = java.util.Arrays.copyOfRange(v, c * w * h, (c + 1) * w * h);
        return new FloatImage(w, h, List.of("R", "G", "B"), planes);
    }

    /** Targets' planes laid out as diffusers' np output [T, H, W, 3]. */
    static float[] nhwc(List<FloatImage> targets) {
        List<Float> out = new ArrayList<>();
        for (FloatImage t : targets) {
            for (int i = 0; i < t.width() * t.height(); i++) for (int c = 0; c < 3; c++) out.add(t.planes()[c][i]);
        }
        float[] a = new float[out.size()];
        for (int i = 0; i < a.length; i++) a[i] = out.get(i);
        return a;
    }

    static double maxDiff(float[] a, float[] e) {
        assertThat(a).hasSameSizeAs(e);
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs((double) a[i] - e[i]));
        return max;
    }

}
