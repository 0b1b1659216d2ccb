package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.engine.testing.TinyCheckpoints;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.ResultEntity;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.worker.db.ResultRepository;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An imported SD3 transparency checkpoint (the tiny random-weight one of the SD3 reference fixtures) registered and
 * promoted like any other mask version: the running worker swaps it in and serves masks with it; each result is a
 * binary mask with the ensemble's continuous mean stored beside it as layer {@code probability}, and the members'
 * spread as the uncertainty map the contact sheet shows.
 */
class ImportedTransparencyModelTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    @Test
    void aPromotedSd3ImportServesMasksWithProbabilityAndUncertainty() throws Exception {
        Path shared = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "sd3-reference", "tiny-transparency");
        assumeTrue(Files.isDirectory(shared), "SD3 reference fixtures not found at " + shared.toAbsolutePath());
        // the tiny folder stating the size it is served at (the reference's 1024 px would take minutes per frame here)
        Path folder = TinyCheckpoints.servedAt(shared, 32, kit.dir.resolve("tiny-32"));

        GpuWorker worker = kit.startWorker(Map.of("PRISM_WORKER_TASKS", "mask"));
        int v2 = kit.importAndPromote(worker, folder, "mask");

        List<FrameSubmitted> frames = kit.goodFrames(3, 1, "sd3");
        for (FrameSubmitted f : frames) kit.publish(f);
        await("every frame processed", Duration.ofSeconds(120),
                quietly(() -> kit.count("SELECT count(*) FROM results WHERE model_version = " + v2) >= frames.size()));
        ResultRepository results = kit.db.repository(ResultRepository.class);
        for (FrameSubmitted f : frames) {
            ResultEntity r = results.findByFrameId(f.frameId()).get(0);
            assertThat(r.task()).isEqualTo("mask");
            assertThat(r.modelVersion()).isEqualTo(v2);
            FloatImage img = ImageFiles.read(blob(r.resultSha256(), r.resultSize(), r.resultMediaType()), "result of " + f.frameId());
            assertThat(img.width()).isEqualTo(WorkerTestKit.SIZE);
            assertThat(img.channels()).as("the binary mask and the ensemble's continuous mean").contains("Y")
                    .anySatisfy(c -> assertThat(c).startsWith("probability."));
            for (float v : img.plane("Y")) assertThat(v).as("a thresholded mask").isIn(0f, 1f);
            assertThat(r.uncertaintySha256()).as("the members' spread (ensemble of 2)").isNotNull();
            assertThat(r.previewSha256()).isNotNull();
        }
    }

    private static byte[] blob(String sha256, long size, String mediaType) throws Exception {
        return kit.blobs.read(new BlobRef(BlobStore.uriOf(sha256), sha256, size, mediaType, null, null, null));
    }
}
