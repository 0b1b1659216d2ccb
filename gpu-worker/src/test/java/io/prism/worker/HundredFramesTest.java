package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameFailed;
import io.prism.platform.contracts.FrameProcessed;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.PrismEvent;
import io.prism.worker.db.FrameRepository;
import io.prism.platform.db.ResultEntity;
import io.prism.worker.db.ResultRepository;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The whole worker on the real broker and database with the real engine (tiny model, 32x32 frames): 100 submitted
 * frames give 100 results per configured task, each readable from the blob store, rows consistent with the events.
 */
class HundredFramesTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    @Test
    void hundredFramesGiveOneResultPerTaskEachReadableAndAnnounced() throws Exception {
        GpuWorker worker = kit.startWorker(Map.of());
        assertThat(worker.health().ready()).as("ready once models are loaded").isTrue();
        HttpResponse<String> ready = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + worker.httpPort() + "/health/ready")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(ready.statusCode()).isEqualTo(200);

        List<FrameSubmitted> frames = kit.goodFrames(100, 7, "hundred");
        for (FrameSubmitted f : frames) kit.publish(f);
        await("200 result rows", Duration.ofSeconds(150), quietly(() -> kit.count("SELECT count(*) FROM results") >= 200));
        await("all frames processed", Duration.ofSeconds(30),
                quietly(() -> kit.count("SELECT count(*) FROM frames WHERE status = 'processed'") == 100));

        ResultRepository results = kit.db.repository(ResultRepository.class);
        assertThat(results.countByTask("albedo")).isEqualTo(100);
        assertThat(results.countByTask("mask")).isEqualTo(100);
        for (FrameSubmitted f : frames) {
            List<ResultEntity> rows = results.findByFrameId(f.frameId());
            assertThat(rows).extracting(ResultEntity::task).containsExactlyInAnyOrder("albedo", "mask");
            for (ResultEntity r : rows) {
                assertThat(r.modelVersion()).isEqualTo(1);
                assertThat(r.width()).isEqualTo(32);
                assertThat(r.height()).isEqualTo(32);
                FloatImage img = ImageFiles.read(kit.blobs.read(ref(r.resultSha256(), r.resultSize())), r.resultSha256());
                assertThat(img.width()).isEqualTo(32);
                assertThat(img.channelCount()).isEqualTo(r.task().equals("albedo") ? 3 : 1);
                assertThat(kit.blobs.read(ref(r.previewSha256(), r.previewSize()))).startsWith(0x89, 'P', 'N', 'G');
                if (r.task().equals("mask")) {
                    for (float v : img.planes()[0]) assertThat(v).isIn(0f, 1f); // thresholded ensemble mean
                    assertThat(r.uncertaintySha256()).as("mask runs an ensemble of 2: uncertainty stored").isNotNull();
                    ImageFiles.read(kit.blobs.read(ref(r.uncertaintySha256(), r.uncertaintySize())), "uncertainty");
                } else {
                    assertThat(r.uncertaintySha256()).as("ensemble of 1 has no uncertainty").isNull();
                }
            }
        }
        assertThat(kit.db.repository(FrameRepository.class).countByStatus("failed")).isZero();

        Set<UUID> ids = frames.stream().map(FrameSubmitted::frameId).collect(Collectors.toSet());
        List<PrismEvent> events = kit.events(WorkerTestKit.resultsTopic(), ids,
                e -> e instanceof FrameProcessed || e instanceof FrameFailed, 200, Duration.ofSeconds(60));
        assertThat(events).hasSize(200).allMatch(e -> e instanceof FrameProcessed);
        Map<String, Long> perTask = events.stream().collect(Collectors.groupingBy(e -> ((FrameProcessed) e).task(), Collectors.counting()));
        assertThat(perTask).containsEntry("albedo", 100L).containsEntry("mask", 100L);
        for (PrismEvent e : events) {
            FrameProcessed p = (FrameProcessed) e;
            ResultEntity row = results.findByFrameIdAndTaskAndModelVersion(p.frameId(), p.task(), p.modelVersion()).orElseThrow();
            assertThat(p.result().sha256()).isEqualTo(row.resultSha256().trim());
            assertThat(kit.blobs.exists(p.result())).isTrue();
        }
        String metrics = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://localhost:" + worker.httpPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("prism_worker_model_active_version{task=\"albedo\"} 1.0")
                .contains("prism_worker_inference_seconds").contains("prism_worker_queue_seconds");
        double maxBatch = worker.metrics().registry().find("prism_worker_batch_size").summaries().stream()
                .mapToDouble(s -> s.max()).max().orElse(0);
        assertThat(maxBatch).as("frames arriving together are batched").isGreaterThan(1);
        assertThat(worker.metrics().inputEncodings("prepare")).as("albedo and mask share the default encoding: one encoding per frame")
                .isEqualTo(100);
        assertThat(worker.metrics().inputEncodings("infer")).as("none on the inference thread").isZero();
    }

    static BlobRef ref(String sha, long size) {
        String s = sha.trim();
        return new BlobRef(io.prism.platform.blob.BlobStore.uriOf(s), s, size, null, null, null, null);
    }
}
