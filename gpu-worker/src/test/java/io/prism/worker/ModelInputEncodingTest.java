package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.vision.testing.TestExrs;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.ResultEntity;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.color.ToneMap;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.image.FloatImage;
import io.prism.worker.db.ResultRepository;
import io.prism.worker.inference.EngineBackend;
import io.prism.worker.inference.InferenceBackend;
import io.prism.worker.inference.LoadedModel;
import io.prism.worker.inference.TaskOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Each model is fed its own declared input encoding: an albedo model whose model.json declares ACEScg primaries and
 * linear transfer is loaded and served next to a mask model in the default encoding, and the pixels each receives
 * (seen through a backend that records the engine's inputs) are the frame in that model's encoding — vision's
 * {@link InputEncoding#encode} of the frame's linear beauty — never the other's. Each frame is encoded once per
 * encoding, ahead of inference.
 */
class ModelInputEncodingTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    static final InputEncoding ACESCG_LINEAR = new InputEncoding("acescg", ToneMap.SHOULDER, InputEncoding.Transfer.LINEAR);

    @Test
    void aModelDeclaringAnotherEncodingIsServedFramesInThatEncoding() throws Exception {
        Path models = kit.dir.resolve("models");
        Path albedo = WorkerTestKit.tinyCheckpoint(models.resolve("albedo-v1"), "albedo", 1);
        String json = Files.readString(albedo.resolve("model.json"));
        assertThat(json).contains("\"primaries\" : \"rec709\"", "\"transfer\" : \"srgb\"");
        Files.writeString(albedo.resolve("model.json"), json.replace("\"primaries\" : \"rec709\"", "\"primaries\" : \"acescg\"")
                .replace("\"transfer\" : \"srgb\"", "\"transfer\" : \"linear\""));
        WorkerTestKit.tinyCheckpoint(models.resolve("mask-v1"), "mask", 2);

        Map<String, List<FloatImage>> fed = new ConcurrentHashMap<>();
        GpuWorker worker = kit.startWorker(Map.of("PRISM_MODELS_DIR", models.toString()),
                cfg -> new Recording(new EngineBackend(cfg.device(), cfg.threads()), fed));
        assertThat(worker.models().activeVersion("albedo")).as("loaded, not refused").isEqualTo(1);

        List<FrameSubmitted> frames = kit.goodFrames(6, 2, "encoding");
        for (FrameSubmitted f : frames) kit.publish(f);
        await("every frame processed", Duration.ofSeconds(120),
                quietly(() -> kit.count("SELECT count(*) FROM frames WHERE status = 'processed' AND job_id LIKE 'encoding-%'") == frames.size()));

        ResultRepository results = kit.db.repository(ResultRepository.class);
        for (int i = 0; i < frames.size(); i++) {
            FrameSubmitted f = frames.get(i);
            assertThat(results.findByFrameId(f.frameId())).extracting(ResultEntity::task).containsExactlyInAnyOrder("albedo", "mask");
            FloatImage linear = ExrReader.readImage(TestExrs.linearBeauty(WorkerTestKit.SIZE, WorkerTestKit.SIZE, i), "frame " + i);
            FloatImage aces = ACESCG_LINEAR.encode(linear);
            FloatImage standard = InputEncoding.DEFAULT.encode(linear);
            assertThat(fed.get("albedo")).as("frame %d reached the ACEScg model in its encoding", i).anyMatch(img -> samePixels(img, aces))
                    .noneMatch(img -> samePixels(img, standard));
            assertThat(fed.get("mask")).as("frame %d reached the default model in the default encoding", i).anyMatch(img -> samePixels(img, standard))
                    .noneMatch(img -> samePixels(img, aces));
        }
        assertThat(worker.metrics().inputEncodings("prepare")).as("two encodings per frame, each made once, ahead of inference")
                .isEqualTo(2L * frames.size());
        assertThat(worker.metrics().inputEncodings("infer")).isZero();
    }

    static boolean samePixels(FloatImage a, FloatImage b) {
        if (a.width() != b.width() || a.height() != b.height() || !a.channels().equals(b.channels())) return false;
        for (int c = 0; c < a.channelCount(); c++) if (!Arrays.equals(a.planes()[c], b.planes()[c])) return false;
        return true;
    }

    /** The engine backend, keeping a copy of every image each task's model is fed. */
    record Recording(InferenceBackend engine, Map<String, List<FloatImage>> fed) implements InferenceBackend {
        @Override
        public LoadedModel load(String task, int version, Path checkpointDir) throws Exception {
            LoadedModel m = engine.load(task, version, checkpointDir);
            List<FloatImage> inputs = fed.computeIfAbsent(task, t -> new CopyOnWriteArrayList<>());
            return new LoadedModel() {
                @Override public String task() { return m.task(); }
                @Override public int version() { return m.version(); }
                @Override public InputEncoding inputEncoding() { return m.inputEncoding(); }
                @Override public void close() { m.close(); }

                @Override
                public List<TaskOutput> predict(List<FloatImage> batch, TaskOptions options) {
                    inputs.addAll(batch);
                    return m.predict(batch, options);
                }
            };
        }

        @Override
        public void prepareThread() {
            engine.prepareThread();
        }

        @Override
        public String device() {
            return engine.device();
        }
    }
}
