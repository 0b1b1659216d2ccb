package io.prism.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.engine.ModelImport;
import io.prism.engine.transparency.TransparencyPredictor;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.registry.CheckpointManifest;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.Style;
import io.prism.trainer.engine.EngineModelEvaluator;
import io.prism.trainer.engine.EngineModelTrainer;
import io.prism.trainer.run.LabeledFrame;
import io.prism.trainer.run.ModelTrainer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An imported SD3 transparency (mask) model goes through the trainer service's engine adapters as a Marigold model does
 * ({@link MarigoldFineTuneTest}): the trainer fine-tunes its transformer (progress lines and checkpoints reported as for
 * compact models) into an SD3 folder whose other components are the base's files — registered, it adds only the new
 * transformer weights and the training record to the blob store — and the gate's evaluator scores both folders.
 */
class TransparencyFineTuneTest {
    @Test
    void anImportedSd3MaskModelIsFineTunedAndScoredByTheEngineAdapters(@TempDir Path dir) throws Exception {
        Path shared = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "sd3-reference", "tiny-transparency");
        assumeTrue(Files.isDirectory(shared), "tiny SD3 checkpoint not found at " + shared.toAbsolutePath());
        // the tiny folder stating the processing size it is served at (the reference's 1024 px would take minutes here)
        Path folder = dir.resolve("tiny-32");
        try (var files = Files.walk(shared)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.createDirectories(folder.resolve(shared.relativize(f)).getParent());
                Files.copy(f, folder.resolve(shared.relativize(f)));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = (ObjectNode) json.readTree(folder.resolve("model_index.json").toFile());
        json.writeValue(folder.resolve("model_index.json").toFile(), index.put("default_processing_resolution", 32));
        // the active model as the service sees it: imported (conditioning computed, text encoders dropped), stored file by
        // file behind a manifest, materialised
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        byte[] baseManifest = CheckpointManifest.store(ModelImport.prepare(folder, "mask", dir.resolve("import")).files(), blobs);
        Path active = CheckpointManifest.materialize(baseManifest, blobs, dir.resolve("mask-v1"));
        List<LabeledFrame> frames = new ArrayList<>();
        Renderer renderer = new Renderer();
        for (int i = 0; i < 4; i++) {
            int w = i == 3 ? 48 : 32;                                   // production frames come in several sizes
            RenderedFrame f = renderer.render(SceneGenerator.generate(Style.parse("studio"), 500 + i), 1, w, 32, 4, 1);
            frames.add(new LabeledFrame("f" + i, f.beauty(), f.mask()));
        }
        TrainerConfig.Training t = new TrainerConfig.Training(3, 2, 1, 1e-3, 1, 0, 2, 1, 3, 2, 0);
        List<String> events = new ArrayList<>();
        ModelTrainer.Progress progress = new ModelTrainer.Progress() {
            @Override
            public void started(int fromStep, int totalSteps) {
                events.add("started " + fromStep + "/" + totalSteps);
            }

            @Override
            public void step(int step, int totalSteps, double loss, double stepsPerSecond) {
                events.add("step " + step + "/" + totalSteps);
            }

            @Override
            public void checkpoint(int step, Path d) {
                events.add("checkpoint " + step);
            }
        };
        ModelTrainer.Result r = new EngineModelTrainer().train(new ModelTrainer.Job("mask", "0123456789abcdef", active,
                dir.resolve("run"), t), frames, progress);
        assertThat(r.stepsDone()).isEqualTo(3);
        assertThat(events).contains("started 0/3", "step 3/3", "checkpoint 2");
        assertThat(TransparencyPredictor.isSd3Folder(r.checkpoint())).isTrue();

        // registered, the candidate adds only its transformer weights (and training record): every other file is the base's blob
        long before = MarigoldFineTuneTest.blobCount(blobs);
        Map<String, String> base = MarigoldFineTuneTest.files(baseManifest);
        Map<String, String> candidate = MarigoldFineTuneTest.files(CheckpointManifest.store(r.checkpoint(), blobs));
        assertThat(candidate.keySet()).containsAll(base.keySet());
        for (String f : base.keySet()) {
            if (f.equals("transformer/diffusion_pytorch_model.safetensors")) assertThat(candidate.get(f)).as(f).isNotEqualTo(base.get(f));
            else assertThat(candidate.get(f)).as(f).isEqualTo(base.get(f));
        }
        assertThat(MarigoldFineTuneTest.blobCount(blobs) - before).isEqualTo(2);

        EngineModelEvaluator evaluator = new EngineModelEvaluator("cpu");
        TrainerConfig.Evaluation e = new TrainerConfig.Evaluation(1234, 1, 1);
        Map<String, Double> cand = evaluator.evaluate("mask", r.checkpoint(), frames, e);
        Map<String, Double> base0 = evaluator.evaluate("mask", active, frames, e);
        assertThat(cand).containsKey("iou");
        assertThat(base0.keySet()).isEqualTo(cand.keySet());
    }
}
