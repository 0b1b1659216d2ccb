package io.prism.worker;

import io.prism.vision.testing.TestExrs;
import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.engine.AlbedoEncoding;
import io.prism.platform.config.Env;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.ResultEntity;
import io.prism.worker.db.ResultRepository;
import io.prism.platform.testing.TestInfra;
import io.prism.vision.exr.Box2i;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrChannel;
import io.prism.vision.exr.ExrHeader;
import io.prism.vision.exr.ExrPart;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.worker.inference.TaskOutput;
import io.prism.worker.pipeline.FrameDecoder;
import io.prism.worker.pipeline.ModelInput;
import io.prism.worker.pipeline.FrameWork;
import io.prism.worker.pipeline.WriteBack;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PRISM_WORKER_WRITE_BACK: each result also lands on the farm's disk as an EXR a compositor loads like any AOV —
 * under the pattern, with AOV channel names, the source's windows and compression (the original file's when its path
 * is readable, else the stored blob's), albedo linear, nothing half-written left behind; oiiotool reads it.
 */
class WriteBackTest {
    static final String PATTERN = "{show}/{shot}/{layer}_{task}.{frame:04d}.exr";

    @TempDir
    Path dir;

    @Test
    void resultsAreWrittenBackUnderThePatternWithTheSourcesWindowsAndCompression() throws Exception {
        Path out = dir.resolve("farm-out");
        try (WorkerTestKit kit = new WorkerTestKit(TestInfra.shared(), dir)) {
            FloatImage beauty = ExrReader.readImage(TestExrs.linearBeauty(32, 32, 1), "beauty");
            // frame 1: only the stored blob is readable here — a PIZ file with shifted windows
            Box2i display1 = new Box2i(0, 0, 39, 44);
            byte[] blob1 = ExrWriter.encode(beauty, ExrWriteOptions.defaults().compression(Compression.PIZ).dataOrigin(3, 5).displayWindow(display1));
            FrameSubmitted f1 = kit.frame("wb", 1, blob1, 32, 32);
            // frame 2: the farm's original (RLE, other windows) is readable; the blob is a plain copy, as ingest stores it
            Path original = dir.resolve("farm/sh010/beauty.0002.exr");
            Files.createDirectories(original.getParent());
            Box2i display2 = new Box2i(-4, -4, 63, 63);
            ExrWriter.write(original, beauty, ExrWriteOptions.defaults().compression(Compression.RLE).dataOrigin(7, 9).displayWindow(display2));
            FrameSubmitted stored2 = kit.frame("wb", 2, TestExrs.linearBeauty(32, 32, 1), 32, 32);
            FrameSubmitted f2 = FrameSubmitted.of(stored2.frameId(), stored2.jobId(), stored2.show(), stored2.shot(), stored2.layer(),
                    stored2.frameNumber(), stored2.frameVersion(), stored2.source(), original.toString(), Map.of());

            kit.startWorker(Map.of("PRISM_WORKER_WRITE_BACK", PATTERN, "PRISM_WORKER_WRITE_BACK_ROOT", out.toString()));
            kit.publish(f1);
            kit.publish(f2);
            await("both frames processed", Duration.ofSeconds(120),
                    quietly(() -> kit.count("SELECT count(*) FROM frames WHERE status = 'processed' AND job_id = 'wb'") == 2));

            Path folder = out.resolve("show/sh010");
            try (var files = Files.list(folder)) {
                assertThat(files.map(p -> p.getFileName().toString()).toList()).as("no temporary file left")
                        .containsExactlyInAnyOrder("beauty_albedo.0001.exr", "beauty_mask.0001.exr", "beauty_albedo.0002.exr", "beauty_mask.0002.exr");
            }
            ResultRepository results = kit.db.repository(ResultRepository.class);
            for (var c : List.of(new Object[] {f1, 1, new Box2i(3, 5, 34, 36), display1, Compression.PIZ},
                                 new Object[] {f2, 2, new Box2i(7, 9, 38, 40), display2, Compression.RLE})) {
                FrameSubmitted f = (FrameSubmitted) c[0];
                for (String task : List.of("albedo", "mask")) {
                    Path file = folder.resolve("beauty_" + task + ".000" + c[1] + ".exr");
                    ExrPart back = ExrReader.read(file).parts().get(0);
                    ExrHeader h = back.header();
                    assertThat(h.channels()).extracting(ExrChannel::name).containsExactlyElementsOf(
                            task.equals("albedo") ? List.of("albedo.B", "albedo.G", "albedo.R") : List.of("mask.A"));
                    assertThat(h.dataWindow()).as(file.toString()).isEqualTo(c[2]);
                    assertThat(h.displayWindow()).isEqualTo(c[3]);
                    assertThat(h.compression()).isEqualTo(c[4]);

                    ResultEntity row = results.findByFrameIdAndTaskAndModelVersion(f.frameId(), task, 1).orElseThrow();
                    FloatImage stored = ImageFiles.read(kit.blobs.read(HundredFramesTest.ref(row.resultSha256(), row.resultSize())), task);
                    if (task.equals("albedo")) { // the stored result is sRGB-encoded; the farm's layer is linear
                        FloatImage linear = AlbedoEncoding.toLinear(stored);
                        for (String ch : List.of("R", "G", "B")) {
                            float[] got = back.image().plane("albedo." + ch), want = linear.plane(ch);
                            for (int i = 0; i < want.length; i++) assertThat(got[i]).isCloseTo(want[i], within(2e-3f));
                        }
                    } else {
                        assertThat(back.image().plane("mask.A")).isEqualTo(stored.plane("Y"));
                    }
                }
            }

            assumeTrue(FrameDecoderTest.oiiotool(), "oiiotool not installed");
            Process p = new ProcessBuilder("oiiotool", "--info", "-v", folder.resolve("beauty_albedo.0001.exr").toString())
                    .redirectErrorStream(true).start();
            String info = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(info).isTrue();
            assertThat(info).contains("albedo.R", "albedo.G", "albedo.B").contains("pixel data origin: x=3, y=5")
                    .contains("full/display size: 40 x 45").contains("compression: \"piz\"");
        }
    }

    /** A finished frame as the inference stage hands it on: source header from decoding, one result per task. */
    static FrameWork finished(FrameSubmitted f, ExrHeader header, FloatImage albedo, FloatImage mask) {
        FrameWork w = new FrameWork(null, f.key(), new byte[0], f, List.of("albedo", "mask"));
        w.decoded(new FrameDecoder.Decoded(ModelInput.sceneLinear(albedo), header));
        w.complete(new FrameWork.TaskResult("albedo", 3, new TaskOutput(albedo, null, Map.of()), 1, 1, 0, 0));
        w.complete(new FrameWork.TaskResult("mask", 2, new TaskOutput(mask, null, Map.of()), 1, 1, 0, 0));
        return w;
    }

    @Test
    void nextToTheSourceOrOneFilePerFrameAndARefusalThatDoesNotStopTheFrame() throws Exception {
        FloatImage albedo = FloatImage.blank(8, 6, List.of("R", "G", "B"));
        FloatImage mask = FloatImage.blank(8, 6, List.of("Y"));
        java.util.Arrays.fill(albedo.planes()[0], 0.5f);
        java.util.Arrays.fill(mask.planes()[0], 1f);
        Path source = dir.resolve("farm/sh020/beauty.0042.exr");
        Files.createDirectories(source.getParent());
        ExrWriter.write(source, FloatImage.blank(8, 6, List.of("R", "G", "B")), ExrWriteOptions.defaults().compression(Compression.ZIPS));
        ExrHeader header = ExrReader.readHeaders(source).get(0);
        FrameSubmitted f = FrameSubmitted.of(java.util.UUID.randomUUID(), "job", "show", "sh020", "beauty", 42, 1,
                new io.prism.platform.contracts.BlobRef(java.net.URI.create("file:///x"), "0".repeat(64), 1, null, null, null, null),
                source.toString(), Map.of());
        WorkerMetrics metrics = new WorkerMetrics(new io.micrometer.core.instrument.simple.SimpleMeterRegistry(), () -> 0);

        WorkerConfig next = WorkerConfig.from(new Env(Map.of("PRISM_WORKER_WRITE_BACK", "next-to-source")));
        WriteBack.from(next, metrics).write(finished(f, header, albedo, mask), () -> false);
        ExrPart a = ExrReader.read(source.resolveSibling("beauty_albedo.0042.exr")).parts().get(0);
        assertThat(a.header().compression()).isEqualTo(Compression.ZIPS);
        assertThat(a.image().plane("albedo.R")[0]).as("linear: sRGB 0.5 decoded").isCloseTo(0.214f, within(1e-3f));
        assertThat(ExrReader.read(source.resolveSibling("beauty_mask.0042.exr")).parts().get(0).image().plane("mask.A")[0]).isEqualTo(1f);

        Path root = dir.resolve("out");
        WorkerConfig oneFile = WorkerConfig.from(new Env(Map.of("PRISM_WORKER_WRITE_BACK", "{job}/{layer}.v{version}.m{model}.{frame:04d}.exr",
                "PRISM_WORKER_WRITE_BACK_ROOT", root.toString())));
        // without {task} the tasks share a file; {model} differs per task here (3 and 2), so two files
        WriteBack.from(oneFile, metrics).write(finished(f, header, albedo, mask), () -> false);
        assertThat(ExrReader.readHeaders(root.resolve("job/beauty.v1.m3.0042.exr")).get(0).channels()).extracting(ExrChannel::name)
                .containsExactly("albedo.B", "albedo.G", "albedo.R");
        WorkerConfig shared = WorkerConfig.from(new Env(Map.of("PRISM_WORKER_WRITE_BACK", "{show}/{shot}/{layer}.{frame:04d}.exr",
                "PRISM_WORKER_WRITE_BACK_ROOT", root.toString())));
        WriteBack.from(shared, metrics).write(finished(f, header, albedo, mask), () -> false);
        assertThat(ExrReader.readHeaders(root.resolve("show/sh020/beauty.0042.exr")).get(0).channels()).extracting(ExrChannel::name)
                .containsExactly("albedo.B", "albedo.G", "albedo.R", "mask.A");

        FrameSubmitted noPath = FrameSubmitted.of(f.frameId(), "job", "show", "sh020", "beauty", 43, 1, f.source(), null, Map.of());
        WriteBack.from(next, metrics).write(finished(noPath, header, albedo, mask), () -> false);
        assertThat(metrics.failures("write-back-refused")).as("nothing to write next to: refused, counted").isEqualTo(1);
    }

    @Test
    void aPatternNeedsARootAndKnownFields() {
        assertThatThrownBy(() -> WorkerConfig.from(new Env(Map.of("PRISM_WORKER_WRITE_BACK", PATTERN))))
                .hasMessageContaining("PRISM_WORKER_WRITE_BACK_ROOT");
        assertThatThrownBy(() -> WorkerConfig.from(new Env(Map.of("PRISM_WORKER_WRITE_BACK", "{show}/{take}.exr",
                "PRISM_WORKER_WRITE_BACK_ROOT", dir.toString())))).hasMessageContaining("{take}");
        assertThat(WorkerConfig.from(new Env(Map.of("PRISM_WORKER_WRITE_BACK", "next-to-source"))).writeBack()).isEqualTo("next-to-source");
        assertThat(WorkerConfig.from(new Env(Map.of())).writeBack()).isNull();
    }
}
