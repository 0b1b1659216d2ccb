package io.prism.engine.train;

import io.prism.engine.Synthetic;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.ModelCheckpoint;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.PrintStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TrainerTest {

    static TrainConfig tiny(Path out, int steps) {
        return TrainConfig.defaults("albedo", out.toString()).withName("tiny").withSteps(steps).withBatch(2, 2)
                .withLearningRate(2e-3).withWarmupSteps(2).withMinLrFactor(0.1).withCropSize(16).withSeeds(11, 12, 13)
                .withEvery(0, 0, 0).withArchitecture(2, List.of(8, 16), 4).withProcessingResolution(32).withThreads(1)
                .withCommand("test");
    }

    static PairDataset data() {
        return PairDataset.of(Synthetic.albedoPairs(100, 3, 32, 24), "synthetic albedo seeds 100-102, 32x24");   // 3 frames: 8 epochs in 6 steps
    }

    @Test
    void stoppingAtStepKAndResumingGivesBitIdenticalWeightsAtStepN(@TempDir Path dir) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        List<TrainingPair> val = Synthetic.albedoPairs(900, 2, 32, 24);
        Trainer.Result straight = new Trainer(tiny(dir.resolve("a"), 6), quiet).train(data(), val);
        Trainer.Result halted = new Trainer(tiny(dir.resolve("b"), 6).withHaltAfterStep(3), quiet).train(data(), val);
        assertThat(halted.finished()).isFalse();
        assertThat(halted.step()).isEqualTo(3);
        assertThat(Files.exists(dir.resolve("b/checkpoint-latest/optimizer.safetensors"))).isTrue();
        Trainer.Result resumed = new Trainer(tiny(dir.resolve("b"), 6), quiet).train(data(), val);
        assertThat(resumed.finished()).isTrue();
        Map<String, FloatTensor> a = ModelCheckpoint.load(straight.modelDir()).weights();
        Map<String, FloatTensor> b = ModelCheckpoint.load(resumed.modelDir()).weights();
        assertThat(b.keySet()).isEqualTo(a.keySet());
        for (String k : a.keySet()) assertThat(b.get(k).data()).as(k).containsExactly(a.get(k).data());
        // and the run did change the weights (a resume that silently restarted or skipped would not match above)
        Trainer.Result shorter = new Trainer(tiny(dir.resolve("c"), 6).withHaltAfterStep(5), quiet).train(data(), val);
        Map<String, FloatTensor> c = ModelCheckpoint.load(shorter.checkpointDir().resolve("model")).weights();
        boolean differs = false;
        for (String k : a.keySet()) differs |= !java.util.Arrays.equals(a.get(k).data(), c.get(k).data());
        assertThat(differs).as("step 5 weights differ from step 6").isTrue();
    }

    @Test
    void resumingWithADifferentConfigurationIsRefused(@TempDir Path dir) throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream());
        new Trainer(tiny(dir, 4).withHaltAfterStep(1), quiet).train(data(), List.of());
        assertThatThrownBy(() -> new Trainer(tiny(dir, 4).withLearningRate(1e-2), quiet).train(data(), List.of()))
                .hasMessageContaining("configuration differs");
    }

    @Test
    void modelJsonRecordsCommandSeedsStepsAndMetrics(@TempDir Path dir) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        Trainer.Result r = new Trainer(tiny(dir, 3), new PrintStream(bytes)).train(data(), Synthetic.albedoPairs(900, 2, 32, 24));
        var spec = ModelCheckpoint.load(r.modelDir()).spec();
        assertThat(spec.training().command()).isEqualTo("test");
        assertThat(spec.training().steps()).isEqualTo(3);
        assertThat(spec.training().seeds()).containsEntry("train", 11L).containsEntry("data", 13L);
        assertThat(spec.training().metrics()).containsKeys("psnr", "ssim", "baseline_beauty_psnr");
        assertThat(bytes.toString()).contains("step/s", "ETA");
    }
}
