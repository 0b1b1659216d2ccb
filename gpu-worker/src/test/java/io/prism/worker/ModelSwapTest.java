package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.engine.model.ModelCheckpoint;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.ResultEntity;
import io.prism.worker.db.ResultRepository;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hot swap during a run: a new albedo version promoted through the registry (ModelPromoted on prism.models.v1) is
 * loaded in the background and swapped in between two batches — every frame is processed exactly once, all batches
 * before the swap by v1 and all after it by v2. Then a promotion to a checkpoint with a corrupted weight file is
 * refused and v2 keeps serving. Finally a reprocessing request for v1 is served by v1 although v2 is active.
 */
class ModelSwapTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    @Test
    void promotionSwapsBetweenBatchesWithoutDroppingAFrameAndACorruptedOneIsRefused() throws Exception {
        GpuWorker worker = kit.startWorker(Map.of("PRISM_WORKER_MAX_BATCH", "4"));
        ModelRegistry registry = new ModelRegistry(kit.db, kit.blobs);
        List<FrameSubmitted> all = new ArrayList<>();
        List<FrameSubmitted> before = kit.goodFrames(30, 3, "swap-a");
        all.addAll(before);
        for (FrameSubmitted f : before) kit.publish(f);
        await("the run is under way", Duration.ofSeconds(90),
                quietly(() -> kit.count("SELECT count(*) FROM results WHERE task = 'albedo'") >= 6));

        ModelVersion v2 = registry.register("albedo", WorkerTestKit.tinyCheckpoint(kit.dir.resolve("albedo-v2"), "albedo", 22),
                1, Map.of("psnr", 30.0), Map.of(), "fine-tuned");
        registry.promote("albedo", v2.version(), "test promotion");
        List<FrameSubmitted> during = kit.goodFrames(20, 3, "swap-b");
        all.addAll(during);
        for (FrameSubmitted f : during) kit.publish(f);
        await("v2 swapped in", Duration.ofSeconds(60), () -> worker.models().activeVersion("albedo") == 2);
        List<FrameSubmitted> after = kit.goodFrames(10, 3, "swap-c");
        all.addAll(after);
        for (FrameSubmitted f : after) kit.publish(f);
        await("every frame processed", Duration.ofSeconds(120),
                quietly(() -> kit.count("SELECT count(*) FROM results") >= 2L * all.size()));

        ResultRepository results = kit.db.repository(ResultRepository.class);
        for (FrameSubmitted f : all) {
            assertThat(results.findByFrameId(f.frameId())).extracting(ResultEntity::task)
                    .as("exactly one result per task, none dropped").containsExactlyInAnyOrder("albedo", "mask");
        }
        Map<Integer, List<Double>> seqByVersion = batchSeqByVersion();
        assertThat(seqByVersion.keySet()).containsExactlyInAnyOrder(1, 2);
        double lastV1 = seqByVersion.get(1).stream().mapToDouble(d -> d).max().orElseThrow();
        double firstV2 = seqByVersion.get(2).stream().mapToDouble(d -> d).min().orElseThrow();
        assertThat(lastV1).as("every v1 batch ran before every v2 batch: the swap fell between batches").isLessThan(firstV2);
        for (FrameSubmitted f : after) {
            assertThat(results.findByFrameIdAndTaskAndModelVersion(f.frameId(), "albedo", 2)).as("frames after the swap carry v2").isPresent();
        }
        assertThat(worker.metrics().modelLoads("albedo", "staged")).isEqualTo(1);

        // A corrupted checkpoint: the weights no longer match the SHA-256 in model.json.
        Path bad = WorkerTestKit.tinyCheckpoint(kit.dir.resolve("albedo-v3"), "albedo", 33);
        try (var ch = Files.newByteChannel(bad.resolve(ModelCheckpoint.WEIGHTS_FILE), StandardOpenOption.WRITE)) {
            ch.position(Files.size(bad.resolve(ModelCheckpoint.WEIGHTS_FILE)) - 16);
            ch.write(java.nio.ByteBuffer.wrap(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}));
        }
        ModelVersion v3 = registry.register("albedo", bad, 2, Map.of(), Map.of(), "corrupted on purpose");
        registry.promote("albedo", v3.version(), "promotion of a corrupted checkpoint");
        await("the corrupted version is refused", Duration.ofSeconds(60), () -> worker.metrics().modelLoads("albedo", "refused") == 1);
        assertThat(worker.models().activeVersion("albedo")).isEqualTo(2);
        assertThat(worker.health().ready()).isTrue();
        List<FrameSubmitted> later = kit.goodFrames(6, 2, "swap-d");
        for (FrameSubmitted f : later) kit.publish(f);
        // reprocessing: a frame made by v2, asked again for albedo v1 while v2 is active
        FrameSubmitted reprocess = after.get(0).reprocessWith(Map.of("albedo", 1));
        kit.publish(reprocess);
        await("frames after the refusal processed", Duration.ofSeconds(90), quietly(() ->
                kit.count("SELECT count(*) FROM results") >= 2L * (all.size() + later.size()) + 1));
        for (FrameSubmitted f : later) {
            assertThat(results.findByFrameIdAndTaskAndModelVersion(f.frameId(), "albedo", 2)).as("v2 keeps serving").isPresent();
        }
        assertThat(results.findByFrameId(after.get(0).frameId()))
                .as("the requested v1 made a new albedo row; mask (not requested) used the active version it already had")
                .extracting(r -> r.task() + "@v" + r.modelVersion())
                .containsExactlyInAnyOrder("albedo@v2", "albedo@v1", "mask@v1");
    }

    private static Map<Integer, List<Double>> batchSeqByVersion() throws Exception {
        try (var c = DriverManager.getConnection(kit.platform.jdbcUrl(), kit.platform.dbUser(), kit.platform.dbPassword());
             var s = c.createStatement();
             var rs = s.executeQuery("SELECT model_version, (statistics->>'batchSeq')::float FROM results WHERE task = 'albedo'")) {
            List<double[]> rows = new ArrayList<>();
            while (rs.next()) rows.add(new double[] {rs.getInt(1), rs.getDouble(2)});
            return rows.stream().collect(Collectors.groupingBy(r -> (int) r[0], Collectors.mapping(r -> r[1], Collectors.toList())));
        }
    }
}
