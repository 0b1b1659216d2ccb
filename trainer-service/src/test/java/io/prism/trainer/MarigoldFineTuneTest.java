package io.prism.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.engine.ModelImport;
import io.prism.engine.marigold.MarigoldCheckpoint;
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
 * An imported diffusers Marigold model goes through the trainer service's engine adapters unchanged in policy: the
 * trainer fine-tunes its UNet (progress lines and checkpoints reported as for compact models) into a diffusers
 * folder whose other components are the base's files — registered, it adds only the new UNet to the blob store — and
 * the gate's evaluator scores both folders with PSNR / SSIM.
 */
class MarigoldFineTuneTest {
    @Test
    void anImportedMarigoldModelIsFineTunedAndScoredByTheEngineAdapters(@TempDir Path dir) throws Exception {
        Path shared = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "marigold-reference", "tiny-iid");
        assumeTrue(Files.isDirectory(shared), "tiny Marigold checkpoint not found at " + shared.toAbsolutePath());
        // the active model as the service sees it: imported (prompt embedding computed, text encoder dropped), stored
        // file by file behind a manifest, materialised
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        byte[] baseManifest = CheckpointManifest.store(ModelImport.prepare(shared, "albedo", dir.resolve("import")).files(), blobs);
        Path tiny = CheckpointManifest.materialize(baseManifest, blobs, dir.resolve("albedo-v1"));
        List<LabeledFrame> frames = new ArrayList<>();
        Renderer renderer = new Renderer();
        for (int i = 0; i < 4; i++) {
            int w = i == 3 ? 48 : 32;                                   // production frames come in several sizes
            RenderedFrame f = renderer.render(SceneGenerator.generate(Style.parse("studio"), 500 + i), 1, w, 32, 4, 1);
            frames.add(new LabeledFrame("f" + i, f.beauty(), f.albedo()));
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
        ModelTrainer.Result r = new EngineModelTrainer().train(new ModelTrainer.Job("albedo", "0123456789abcdef", tiny,
                dir.resolve("run"), t), frames, progress);
        assertThat(r.stepsDone()).isEqualTo(3);
        assertThat(events).contains("started 0/3", "step 3/3", "checkpoint 2");
        assertThat(MarigoldCheckpoint.isDiffusersFolder(r.checkpoint())).isTrue();

        // registered, the candidate adds only its UNet weights (and training record): every other file is the base's blob
        long before = blobCount(blobs);
        Map<String, String> base = files(baseManifest), candidate = files(CheckpointManifest.store(r.checkpoint(), blobs));
        assertThat(candidate.keySet()).containsAll(base.keySet());
        for (String f : base.keySet()) {
            if (f.equals("unet/diffusion_pytorch_model.safetensors")) assertThat(candidate.get(f)).as(f).isNotEqualTo(base.get(f));
            else assertThat(candidate.get(f)).as(f).isEqualTo(base.get(f));
        }
        assertThat(blobCount(blobs) - before).isEqualTo(2);

        EngineModelEvaluator evaluator = new EngineModelEvaluator("cpu");
        TrainerConfig.Evaluation e = new TrainerConfig.Evaluation(1234, 1, 1);
        Map<String, Double> cand = evaluator.evaluate("albedo", r.checkpoint(), frames, e);
        Map<String, Double> active = evaluator.evaluate("albedo", tiny, frames, e);
        assertThat(cand).containsKeys("psnr", "ssim");
        assertThat(active.keySet()).isEqualTo(cand.keySet());
        assertThat(cand.get("psnr")).isNotEqualTo(active.get("psnr"));
    }

    static Map<String, String> files(byte[] manifest) throws java.io.IOException {
        Map<String, String> out = new java.util.TreeMap<>();
        for (var f : new com.fasterxml.jackson.databind.ObjectMapper().readTree(manifest).get("files")) {
            out.put(f.get("path").asText(), f.get("sha256").asText());
        }
        return out;
    }

    static long blobCount(FileBlobStore blobs) throws java.io.IOException {
        try (var s = Files.walk(blobs.root().resolve("sha256"))) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().contains(".")).count();
        }
    }
}
