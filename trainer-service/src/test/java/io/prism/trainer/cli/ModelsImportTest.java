package io.prism.trainer.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Predictor;
import io.prism.engine.Predictors;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import io.prism.platform.testing.TestInfra;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code prism models import} on the tiny diffusers Marigold-IID checkpoint: a good folder becomes a candidate version
 * that predicts exactly what the folder itself does (without its text encoder: the prompt embedding is computed at
 * import); each broken folder is refused with one line naming the file, and nothing is registered.
 */
class ModelsImportTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    Path dir;

    static Path tinyIid() {
        Path p = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "marigold-reference", "tiny-iid");
        assumeTrue(Files.isDirectory(p), "Marigold reference fixtures not found at " + p.toAbsolutePath());
        return p;
    }

    record Run(int code, String out, String err) {}

    private Run importFolder(PlatformConfig pc, Path folder, String task) {
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = new CommandLine(new ModelsCommand(pc)).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("import", folder.toString(), "--task", task);
        return new Run(code, out.toString(), err.toString());
    }

    private List<ModelVersion> versions(PlatformConfig pc, String task) throws IOException {
        try (Database db = Database.start(pc.jdbcUrl(), pc.dbUser(), pc.dbPassword(), 1)) {
            return new ModelRegistry(db, new FileBlobStore(pc.blobRoot())).list(task);
        }
    }

    @Test
    void aGoodFolderBecomesACandidateThatPredictsLikeTheFolderWithoutItsTextEncoder() throws Exception {
        PlatformConfig pc = TestInfra.platformConfig(dir.resolve("blobs"));
        Run r = importFolder(pc, tinyIid(), "albedo");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("marigold intrinsics model", "[albedo, material]", "candidate", "prism models promote albedo v1");
        ModelVersion v = versions(pc, "albedo").get(0);
        Path stored;
        try (Database db = Database.start(pc.jdbcUrl(), pc.dbUser(), pc.dbPassword(), 1)) {
            stored = new ModelRegistry(db, new FileBlobStore(pc.blobRoot())).materialize(v, dir.resolve("cache"));
        }
        assertThat(stored.resolve("prompt_embeds.safetensors")).isRegularFile();
        assertThat(stored.resolve("text_encoder")).doesNotExist();
        assertThat(stored.resolve("unet/diffusion_pytorch_model.safetensors")).hasSameBinaryContentAs(
                tinyIid().resolve("unet/diffusion_pytorch_model.safetensors"));
        FloatImage frame = ramp(40, 28);
        float[] fromFolder, fromRegistry;
        try (Predictor p = Predictors.open(tinyIid(), "albedo", "cpu", 1, "fp32")) {
            PredictOptions o = p.defaultOptions().withSeed(3);
            fromFolder = flat(p.predict(frame, o));
        }
        try (Predictor p = Predictors.open(stored, "albedo", "cpu", 1, "fp32")) {
            fromRegistry = flat(p.predict(frame, p.defaultOptions().withSeed(3)));
        }
        assertThat(fromRegistry).containsExactly(fromFolder);
        assertThat(r.out()).contains("input primaries rec709, tone map shoulder, transfer srgb");
        assertThat(io.prism.engine.model.ImportSettings.read(stored).encoding()).isEqualTo(io.prism.vision.color.InputEncoding.DEFAULT);
    }

    @Test
    void theInputEncodingGivenAtImportIsStoredWithTheVersionAndReadByThePredictor() throws Exception {
        PlatformConfig pc = TestInfra.platformConfig(dir.resolve("blobs"));
        StringWriter out = new StringWriter(), err = new StringWriter();
        int code = new CommandLine(new ModelsCommand(pc)).setOut(new PrintWriter(out)).setErr(new PrintWriter(err))
                .execute("import", tinyIid().toString(), "--task", "albedo", "--input-encoding", "acescg,aces_fitted,srgb");
        assertThat(code).as(err.toString()).isZero();
        Path stored;
        try (Database db = Database.start(pc.jdbcUrl(), pc.dbUser(), pc.dbPassword(), 1)) {
            stored = new ModelRegistry(db, new FileBlobStore(pc.blobRoot())).materialize(versions(pc, "albedo").get(0), dir.resolve("cache"));
        }
        try (Predictor p = Predictors.open(stored, "albedo", "cpu", 1, "fp32")) {
            assertThat(p.inputEncoding()).isEqualTo(io.prism.vision.color.InputEncoding.of("acescg", "aces_fitted", "srgb"));
        }
        StringWriter err2 = new StringWriter();
        int refused = new CommandLine(new ModelsCommand(pc)).setOut(new PrintWriter(new StringWriter())).setErr(new PrintWriter(err2))
                .execute("import", tinyIid().toString(), "--task", "albedo", "--input-encoding", "rec709,filmic,srgb");
        assertThat(refused).isEqualTo(1);
        assertThat(err2.toString()).contains("unknown tone map 'filmic'");
        assertThat(versions(pc, "albedo")).hasSize(1);
    }

    @Test
    void anSd3TransparencyFolderImportsAsAMaskModelAndRunsWithoutItsTextEncoders() throws Exception {
        Path sd3 = tinyIid().resolveSibling("../sd3-reference/tiny-transparency").normalize();
        assumeTrue(Files.isDirectory(sd3), "SD3 reference fixtures not found at " + sd3);
        PlatformConfig pc = TestInfra.platformConfig(dir.resolve("blobs"));
        assertThat(importFolder(pc, sd3, "albedo").code()).as("an SD3 transparency model cannot serve albedo").isEqualTo(1);
        Run r = importFolder(pc, sd3, "mask");
        assertThat(r.code()).as(r.err()).isZero();
        assertThat(r.out()).contains("sd3 transparency model", "prism models promote mask v1");
        Path stored;
        try (Database db = Database.start(pc.jdbcUrl(), pc.dbUser(), pc.dbPassword(), 1)) {
            stored = new ModelRegistry(db, new FileBlobStore(pc.blobRoot())).materialize(versions(pc, "mask").get(0), dir.resolve("cache"));
        }
        assertThat(stored.resolve("text_encoder")).doesNotExist();
        assertThat(stored.resolve("prompt_embeds.safetensors")).isRegularFile();
        FloatImage frame = ramp(36, 20);
        float[] fromFolder, fromRegistry;
        try (Predictor p = Predictors.open(sd3, "mask", "cpu", 1, "fp32")) {
            fromFolder = flat(p.predict(frame, p.defaultOptions().withSteps(2).withEnsembleSize(2).withProcessingResolution(32)));
        }
        try (Predictor p = Predictors.open(stored, "mask", "cpu", 1, "fp32")) {
            fromRegistry = flat(p.predict(frame, p.defaultOptions().withSteps(2).withEnsembleSize(2).withProcessingResolution(32)));
        }
        assertThat(fromRegistry).hasSameSizeAs(fromFolder);
        for (int i = 0; i < fromFolder.length; i++) assertThat(fromRegistry[i]).isCloseTo(fromFolder[i], org.assertj.core.api.Assertions.within(1e-5f));
    }

    @Test
    void eachBrokenFolderIsRefusedWithOneLineNamingTheFileAndNothingIsRegistered() throws Exception {
        PlatformConfig pc = TestInfra.platformConfig(dir.resolve("blobs"));
        // what was tried, and the file the refusal must name
        assertRefused(pc, "missing component", "albedo", f -> delete(f.resolve("vae")), "vae");
        assertRefused(pc, "truncated weights", "albedo", f -> truncate(f.resolve("unet/diffusion_pytorch_model.safetensors")),
                "diffusion_pytorch_model.safetensors");
        assertRefused(pc, "mis-shaped tensor", "albedo", f -> reshapeConvIn(f.resolve("unet/diffusion_pytorch_model.safetensors")),
                "conv_in.weight");
        assertRefused(pc, "unknown block type", "albedo", f -> editJson(f.resolve("unet/config.json"),
                o -> o.putArray("down_block_types").add("SimpleCrossAttnDownBlock2D").add("CrossAttnDownBlock2D").add("DownBlock2D")),
                "config.json");
        assertRefused(pc, "in_channels do not fit the targets", "albedo", f -> editJson(f.resolve("model_index.json"),
                o -> ((ObjectNode) o.get("target_properties")).putArray("target_names").add("albedo")), "in_channels");
        assertRefused(pc, "a task the model does not serve", "depth", f -> { }, "model_index.json");
        for (String task : List.of("albedo", "depth")) assertThat(versions(pc, task)).as("registered " + task).isEmpty();
    }

    private void assertRefused(PlatformConfig pc, String what, String task, Consumer<Path> breakIt, String named) throws IOException {
        Path copy = dir.resolve("case-" + what.replace(' ', '-'));
        copyTree(tinyIid(), copy);
        breakIt.accept(copy);
        Run r = importFolder(pc, copy, task);
        assertThat(r.code()).as(what + ": " + r.out()).isEqualTo(1);
        assertThat(r.err().strip().lines()).as(what).hasSize(1);
        assertThat(r.err()).as(what).startsWith("prism models import: refused: ").contains(named);
    }

    private static FloatImage ramp(int w, int h) {
        float[][] p = new float[3][w * h];
        for (int i = 0; i < w * h; i++) {
            p[0][i] = (i % w) / (float) w;
            p[1][i] = (i / w) / (float) h;
            p[2][i] = 0.5f;
        }
        return new FloatImage(w, h, List.of("R", "G", "B"), p);
    }

    private static float[] flat(Prediction p) {
        FloatImage img = Predictors.withLayers(p);
        float[] out = new float[img.channelCount() * img.width() * img.height()];
        for (int c = 0; c < img.channelCount(); c++) System.arraycopy(img.planes()[c], 0, out, c * img.width() * img.height(), img.width() * img.height());
        return out;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (var walk = Files.walk(from)) {
            for (Path p : walk.toList()) {
                Path t = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) Files.createDirectories(t);
                else Files.copy(p, t);
            }
        }
    }

    private static void delete(Path p) {
        try (var walk = Files.walk(p)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void truncate(Path f) {
        try {
            byte[] b = Files.readAllBytes(f);
            Files.write(f, java.util.Arrays.copyOf(b, b.length - 4096));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void editJson(Path f, Consumer<ObjectNode> edit) {
        try {
            ObjectNode o = (ObjectNode) JSON.readTree(f.toFile());
            edit.accept(o);
            JSON.writeValue(f.toFile(), o);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    /** Rewrites conv_in.weight's declared shape [32, 12, 3, 3] as [32, 12, 9, 1]: same bytes, wrong shape. */
    private static void reshapeConvIn(Path f) {
        try {
            byte[] b = Files.readAllBytes(f);
            long n = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
            ObjectNode header = (ObjectNode) JSON.readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
            ((ObjectNode) header.get("conv_in.weight")).putArray("shape").add(32).add(12).add(9).add(1);
            byte[] h = JSON.writeValueAsBytes(header);
            byte[] padded = java.util.Arrays.copyOf(h, h.length + (8 - h.length % 8) % 8);
            for (int i = h.length; i < padded.length; i++) padded[i] = ' ';
            ByteBuffer out = ByteBuffer.allocate(8 + padded.length + (b.length - 8 - (int) n)).order(ByteOrder.LITTLE_ENDIAN);
            out.putLong(padded.length).put(padded).put(b, 8 + (int) n, b.length - 8 - (int) n);
            Files.write(f, out.array());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
