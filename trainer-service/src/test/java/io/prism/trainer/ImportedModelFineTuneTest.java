package io.prism.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.testing.TinyCheckpoints;
import io.prism.engine.ModelImport;
import io.prism.engine.marigold.MarigoldCheckpoint;
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
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An imported diffusers model goes through the trainer service's engine adapters unchanged in policy: a Marigold
 * model's UNet or an SD3 transparency model's transformer is fine-tuned (progress lines and checkpoints reported as for
 * compact models) into a folder whose other components are the base's files — registered, the candidate adds only the
 * new weights and the training record to the blob store — and the gate's evaluator scores both folders.
 */
class ImportedModelFineTuneTest {
    @Test
    void anImportedMarigoldModelIsFineTunedAndScoredByTheEngineAdapters(@TempDir Path dir) throws Exception {
        Path tinyIid = fixture("marigold-reference", "tiny-iid");
        Map<String, Double>[] scores = fineTune(tinyIid, "albedo", "unet/diffusion_pytorch_model.safetensors",
                MarigoldCheckpoint::isDiffusersFolder, RenderedFrame::albedo, dir);
        assertThat(scores[0]).containsKeys("psnr", "ssim");
        assertThat(scores[0].get("psnr")).as("the fine-tuned UNet predicts differently").isNotEqualTo(scores[1].get("psnr"));
    }

    @Test
    void anImportedSd3MaskModelIsFineTunedAndScoredByTheEngineAdapters(@TempDir Path dir) throws Exception {
        Path shared = fixture("sd3-reference", "tiny-transparency");
        // the tiny folder stating the processing size it is served at (the reference's 1024 px would take minutes here)
        Path folder = TinyCheckpoints.servedAt(shared, 32, dir.resolve("tiny-32"));
        Map<String, Double>[] scores = fineTune(folder, "mask", "transformer/diffusion_pytorch_model.safetensors",
                TransparencyPredictor::isSd3Folder, RenderedFrame::mask, dir);
        assertThat(scores[0]).containsKey("iou");
    }

    private static Path fixture(String set, String name) {
        Path p = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", set, name);
        assumeTrue(Files.isDirectory(p), "tiny checkpoint not found at " + p.toAbsolutePath());
        return p;
    }

    /**
     * Imports {@code folder} as the active model the way the service sees it (imported, stored file by file behind a
     * manifest, materialised), fine-tunes it 3 steps on four simulator frames, checks the progress events, the folder
     * kind and that only {@code changedWeights} (and the training record) are new blobs; returns the evaluator's scores
     * of the candidate and of the active model.
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Double>[] fineTune(Path folder, String task, String changedWeights,
                                                  java.util.function.Predicate<Path> isKind,
                                                  Function<RenderedFrame, io.prism.vision.image.FloatImage> target,
                                                  Path dir) throws Exception {
        FileBlobStore blobs = new FileBlobStore(dir.resolve("blobs"));
        byte[] baseManifest = CheckpointManifest.store(ModelImport.prepare(folder, task, dir.resolve("import")).files(), blobs);
        Path active = CheckpointManifest.materialize(baseManifest, blobs, dir.resolve(task + "-v1"));
        List<LabeledFrame> frames = new ArrayList<>();
        Renderer renderer = new Renderer();
        for (int i = 0; i < 4; i++) {
            int w = i == 3 ? 48 : 32;                                   // production frames come in several sizes
            RenderedFrame f = renderer.render(SceneGenerator.generate(Style.parse("studio"), 500 + i), 1, w, 32, 4, 1);
            frames.add(new LabeledFrame("f" + i, f.beauty(), target.apply(f)));
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
        ModelTrainer.Result r = new EngineModelTrainer().train(new ModelTrainer.Job(task, "0123456789abcdef", active,
                dir.resolve("run"), t), frames, progress);
        assertThat(r.stepsDone()).isEqualTo(3);
        assertThat(events).contains("started 0/3", "step 3/3", "checkpoint 2");
        assertThat(isKind.test(r.checkpoint())).as("the candidate is a folder of the base's kind").isTrue();

        // registered, the candidate adds only its new weights (and training record): every other file is the base's blob
        long before = blobCount(blobs);
        Map<String, String> base = files(baseManifest), candidate = files(CheckpointManifest.store(r.checkpoint(), blobs));
        assertThat(candidate.keySet()).containsAll(base.keySet());
        for (String f : base.keySet()) {
            if (f.equals(changedWeights)) assertThat(candidate.get(f)).as(f).isNotEqualTo(base.get(f));
            else assertThat(candidate.get(f)).as(f).isEqualTo(base.get(f));
        }
        assertThat(blobCount(blobs) - before).isEqualTo(2);

        EngineModelEvaluator evaluator = new EngineModelEvaluator("cpu");
        TrainerConfig.Evaluation e = new TrainerConfig.Evaluation(1234, 1, 1);
        Map<String, Double> cand = evaluator.evaluate(task, r.checkpoint(), frames, e);
        Map<String, Double> act = evaluator.evaluate(task, active, frames, e);
        assertThat(act.keySet()).isEqualTo(cand.keySet());
        return new Map[] {cand, act};
    }

    private static Map<String, String> files(byte[] manifest) throws IOException {
        Map<String, String> out = new TreeMap<>();
        for (var f : new ObjectMapper().readTree(manifest).get("files")) out.put(f.get("path").asText(), f.get("sha256").asText());
        return out;
    }

    private static long blobCount(FileBlobStore blobs) throws IOException {
        try (var s = Files.walk(blobs.root().resolve("sha256"))) {
            return s.filter(Files::isRegularFile).filter(p -> !p.getFileName().toString().contains(".")).count();
        }
    }
}
