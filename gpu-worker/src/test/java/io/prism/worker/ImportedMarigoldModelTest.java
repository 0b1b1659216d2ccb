package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.ResultEntity;
import io.prism.worker.db.ResultRepository;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.FloatImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An imported diffusers Marigold-IID checkpoint (the tiny random-weight one of the reference fixtures) registered and
 * promoted like any other version: the running worker swaps it in and serves albedo with it, and each result EXR holds
 * the model's further layer (material: roughness, metallicity) next to the albedo.
 */
class ImportedMarigoldModelTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    @Test
    void aPromotedImportIsServedWithItsFurtherLayersInTheResult() throws Exception {
        Path tiny = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "marigold-reference", "tiny-iid");
        assumeTrue(Files.isDirectory(tiny), "Marigold reference fixtures not found at " + tiny.toAbsolutePath());
        GpuWorker worker = kit.startWorker(Map.of("PRISM_WORKER_TASKS", "albedo"));
        int v2 = kit.importAndPromote(worker, tiny, "albedo");

        List<FrameSubmitted> frames = kit.goodFrames(3, 1, "marigold");
        for (FrameSubmitted f : frames) kit.publish(f);
        await("every frame processed", Duration.ofSeconds(120),
                quietly(() -> kit.count("SELECT count(*) FROM results WHERE model_version = " + v2) >= frames.size()));
        ResultRepository results = kit.db.repository(ResultRepository.class);
        for (FrameSubmitted f : frames) {
            ResultEntity r = results.findByFrameId(f.frameId()).get(0);
            assertThat(r.modelVersion()).isEqualTo(v2);
            byte[] exr = kit.blobs.read(new io.prism.platform.contracts.BlobRef(io.prism.platform.blob.BlobStore.uriOf(r.resultSha256()),
                    r.resultSha256(), r.resultSize(), r.resultMediaType(), null, null, null));
            FloatImage img = ImageFiles.read(exr, "result of " + f.frameId());
            assertThat(img.channels()).containsExactlyInAnyOrder("R", "G", "B", "material.roughness", "material.metallicity");
            assertThat(r.previewSha256()).isNotNull();
        }
    }
}
