package io.prism.engine.schedule;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.Sd3Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

/** The SD3 flow-match Euler scheduler against diffusers' values in sd3-reference/scheduler.json (README tolerances). */
class FlowMatchEulerDiscreteSchedulerTest {

    static JsonNode reference() throws IOException {
        return new ObjectMapper().readTree(Sd3Reference.dir().resolve("scheduler.json").toFile());
    }

    static FlowMatchEulerDiscreteScheduler tinyScheduler() {
        return new FlowMatchEulerDiscreteScheduler(FlowMatchEulerDiscreteConfig.read(Sd3Reference.tinyTransparency().resolve("scheduler")));
    }

    @Test
    void trainingTableAndSigmaRangeAreDiffusers() throws IOException {
        JsonNode ref = reference();
        FlowMatchEulerDiscreteScheduler s = tinyScheduler();
        float[] table = s.trainSigmas();
        assertThat(table).hasSize(ref.get("train_sigmas").size());
        for (int i = 0; i < table.length; i++) {
            assertThat((double) table[i]).as("train sigma " + i).isCloseTo(ref.get("train_sigmas").get(i).asDouble(), within(1e-6 * table[i]));
        }
        assertThat(s.sigmaMin()).isCloseTo(ref.get("sigma_min").asDouble(), within(1e-12));
        assertThat(s.sigmaMax()).isEqualTo(ref.get("sigma_max").asDouble());
    }

    @Test
    void trainingTimestepSamplingIsTheReferencesDoubleShiftSnappedToTheTable() throws IOException {
        JsonNode ref = reference().get("training_timestep_sampling");
        FlowMatchEulerDiscreteScheduler s = tinyScheduler();
        float[] t = s.trainTimesteps(), sigma = s.trainSigmas();
        assertThat(ref.get("u").size()).isEqualTo(5);
        for (int k = 0; k < ref.get("u").size(); k++) {
            int i = s.trainingIndex((float) ref.get("u").get(k).asDouble());
            assertThat(t[i]).as("snapped timestep " + k).isEqualTo((float) ref.get("snapped_timesteps").get(k).asDouble());
            assertThat(sigma[i]).as("sigma " + k).isEqualTo((float) ref.get("sigmas").get(k).asDouble());
        }
        // a single shift (the table index alone) would give the table timesteps, not the reshifted ones
        assertThat(t[s.trainingIndex(0.5f)]).isNotEqualTo((float) ref.get("table_timesteps").get(2).asDouble());
        assertThat(FlowMatchEulerDiscreteScheduler.logitNormal(0f)).isEqualTo(0.5f);
    }

    @Test
    void timestepsAndSigmasForEveryStepCountAreDiffusers() throws IOException {
        JsonNode runs = reference().get("runs");
        FlowMatchEulerDiscreteScheduler s = tinyScheduler();
        assertThat(runs.size()).isEqualTo(5);
        for (Map.Entry<String, JsonNode> run : (Iterable<Map.Entry<String, JsonNode>>) runs::fields) {
            int n = Integer.parseInt(run.getKey());
            float[] t = s.timesteps(n), sigma = s.sigmas(n);
            assertThat(t).hasSize(run.getValue().get("timesteps").size());
            assertThat(sigma).hasSize(n + 1);
            for (int i = 0; i < n; i++) {
                assertThat((double) t[i]).as(n + " steps, t" + i).isCloseTo(run.getValue().get("timesteps").get(i).asDouble(), within(1e-4));
            }
            for (int i = 0; i <= n; i++) {
                double e = run.getValue().get("sigmas").get(i).asDouble();
                assertThat((double) sigma[i]).as(n + " steps, sigma" + i).isCloseTo(e, within(1e-6 * Math.abs(e)));
            }
        }
        // the doubled shift: the last of four timesteps is 8.93, not 3 (σ_min) or 0
        assertThat(s.timesteps(4)).containsExactly(new float[] {1000f, 857.6923f, 602.15057f, 8.928572f}, within(1e-3f));
    }

    @Test
    void chainedEulerStepsReproduceDiffusersRuns() throws IOException {
        JsonNode runs = reference().get("runs");
        FlowMatchEulerDiscreteScheduler s = tinyScheduler();
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            for (Map.Entry<String, JsonNode> run : (Iterable<Map.Entry<String, JsonNode>>) runs::fields) {
                int n = Integer.parseInt(run.getKey());
                JsonNode steps = run.getValue().get("steps");
                Shape shape = new Shape(1, 16, 2, 3);
                float[] sigmas = s.sigmas(n);
                NDArray x = m.create(floats(steps.get(0).get("sample")), shape);
                for (int i = 0; i < n; i++) {
                    JsonNode st = steps.get(i);
                    assertThat(st.get("sigma").asDouble()).isCloseTo(sigmas[i], within(1e-7));
                    x = s.step(m.create(floats(st.get("model_output")), shape), i, sigmas, x);   // our own chain, not the reference's samples
                    float[] got = x.toFloatArray(), want = floats(st.get("prev_sample"));
                    for (int k = 0; k < got.length; k++) {
                        assertThat((double) got[k]).as(n + " steps, step " + i + "[" + k + "]").isCloseTo(want[k], within(1e-6));
                    }
                }
            }
        }
    }

    @Test
    void refusesDynamicShiftingNamingTheFileAndKey(@TempDir Path dir) throws IOException {
        Path cfg = dir.resolve("scheduler_config.json");
        Files.writeString(cfg, "{\"_class_name\": \"FlowMatchEulerDiscreteScheduler\", \"shift\": 3.0, \"use_dynamic_shifting\": true}");
        assertThatThrownBy(() -> FlowMatchEulerDiscreteConfig.read(dir)).isInstanceOf(InvalidCheckpointException.class)
                .hasMessageContaining("scheduler_config.json").hasMessageContaining("use_dynamic_shifting");
    }

    @Test
    void readsTheFullSizeCheckpointsConfigWithItsShift() {
        FlowMatchEulerDiscreteConfig c = FlowMatchEulerDiscreteConfig.read(
                Sd3Reference.dir().resolve("configs/transparency-sd35m-diffusion-ft/scheduler/scheduler_config.json"));
        assertThat(c).isEqualTo(new FlowMatchEulerDiscreteConfig(1000, 3.0));
    }

    static float[] floats(JsonNode array) {
        float[] f = new float[array.size()];
        for (int i = 0; i < f.length; i++) f[i] = (float) array.get(i).asDouble();
        return f;
    }
}
