package io.prism.engine.marigold;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.engine.Engines;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Predictor;
import io.prism.engine.Predictors;
import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.models.unets.UNet2DConditionConfig;
import io.prism.engine.diffusers.models.unets.UNet2DConditionModel;
import io.prism.engine.diffusers.transformers.EmptyPromptEmbedding;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/**
 * The depth and normals pipelines (no diffusers fixtures exist for them): tiny folders in diffusers layout built from
 * the IID fixture's VAE and scheduler with a random one-target UNet, run through {@link Predictors} as a worker would.
 * What is checked is each kind's contract: depth one channel Z in [0, 1] spanning the whole range after ensembling
 * (diffusers' final normalisation), normals unit vectors after resizing back, uncertainties where E > 1.
 */
class MarigoldKindsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Path folder(Path dir, String pipelineClass) throws Exception {
        Path tiny = MarigoldReference.tinyIid();
        for (String f : List.of("scheduler/scheduler_config.json", "vae/config.json", "vae/diffusion_pytorch_model.safetensors")) {
            Files.createDirectories(dir.resolve(f).getParent());
            Files.copy(tiny.resolve(f), dir.resolve(f));
        }
        ObjectNode index = JSON.createObjectNode().put("_class_name", pipelineClass).put("default_denoising_steps", 2)
                .put("default_processing_resolution", 32);
        JSON.writeValue(dir.resolve("model_index.json").toFile(), index);
        ObjectNode unet = (ObjectNode) JSON.readTree(tiny.resolve("unet/config.json").toFile());
        unet.put("in_channels", 8).put("out_channels", 4);                     // image + one target
        Files.createDirectories(dir.resolve("unet"));
        JSON.writeValue(dir.resolve("unet/config.json").toFile(), unet);
        try (NDManager m = Engines.pytorch(1).newBaseManager()) {
            UNet2DConditionModel model = new UNet2DConditionModel(StateDict.random(m, DataType.FLOAT32, 5),
                    UNet2DConditionConfig.read(dir.resolve("unet/config.json")));
            SafetensorsFile.write(dir.resolve("unet/diffusion_pytorch_model.safetensors"), model.parameters(), Map.of());
            EmptyPromptEmbedding.save(m.randomNormal(0, 0.5f, new Shape(1, 2, 32), DataType.FLOAT32), dir.resolve(MarigoldCheckpoint.PROMPT_EMBEDS_FILE));
        }
        return dir;
    }

    static FloatImage frame() {
        int w = 30, h = 22;
        float[][] p = new float[3][w * h];
        for (int i = 0; i < w * h; i++) {
            p[0][i] = (i % w) / (float) w;
            p[1][i] = (i / w) / (float) h;
            p[2][i] = ((i % w) * (i / w)) % 7 / 7f;
        }
        return new FloatImage(w, h, List.of("R", "G", "B"), p);
    }

    @Test
    void depthIsOneChannelNormalisedToTheUnitRangeWithItsSpread(@TempDir Path dir) throws Exception {
        try (Predictor p = Predictors.open(folder(dir, "MarigoldDepthPipeline"), null, "cpu", 1, "fp32")) {
            assertThat(p.task()).isEqualTo("depth");
            PredictOptions o = p.defaultOptions().withEnsembleSize(3);
            Prediction r = p.predict(frame(), o);
            assertThat(r.result().channels()).containsExactly("Z");
            assertThat(r.result().width()).isEqualTo(30);
            for (float v : r.result().planes()[0]) assertThat(v).isBetween(0f, 1f);
            // at processing size (before resizing back) the ensembled depth spans exactly [0, 1]
            MarigoldPipeline.Output raw = ((MarigoldPredictor) p).pipeline().run(List.of(frame()),
                    new MarigoldPipeline.Settings(2, 3, 32, false, 1, "median", true, 0L, null), null);
            float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
            for (float v : raw.predictions().get(0).get(0).planes()[0]) { min = Math.min(min, v); max = Math.max(max, v); }
            assertThat(min).isEqualTo(0f);
            assertThat(max).isEqualTo(1f);
            assertThat(raw.uncertainties().get(0).get(0)).isNotNull();
            assertThat(r.stats().meanUncertainty()).isPositive();
            assertThat(Predictors.preview("depth", r.result()).channels()).containsExactly("Y");
        }
    }

    @Test
    void normalsAreUnitVectorsAndTheEnsembleKeepsAMembersVector(@TempDir Path dir) throws Exception {
        try (Predictor p = Predictors.open(folder(dir, "MarigoldNormalsPipeline"), null, "cpu", 1, "fp32")) {
            assertThat(p.task()).isEqualTo("normals");
            Prediction one = p.predict(frame(), p.defaultOptions());
            Prediction three = p.predict(frame(), p.defaultOptions().withEnsembleSize(3));
            for (Prediction r : List.of(one, three)) {
                assertThat(r.result().channels()).containsExactly("X", "Y", "Z");
                float[][] n = r.result().planes();
                for (int i = 0; i < n[0].length; i++) {
                    assertThat(n[0][i] * n[0][i] + n[1][i] * n[1][i] + n[2][i] * n[2][i]).isCloseTo(1f, within(1e-4f));
                }
            }
            assertThat(three.stats().meanUncertainty()).as("mean angle to the mean normal / π").isBetween(0.0, 1.0).isPositive();
            float[] preview = Predictors.preview("normals", one.result()).planes()[2];
            for (float v : preview) assertThat(v).isBetween(0f, 1f);
        }
    }
}
