package io.prism.engine.cli;

import io.prism.engine.ModelImport;
import io.prism.engine.Predictor;
import io.prism.engine.Predictors;
import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.model.ImportSettings;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.color.Srgb;
import io.prism.vision.color.ToneMap;
import io.prism.vision.exr.Chromaticities;
import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * What reaches a model from a frame file: the beauty layer (luminance/chroma converted as libOpenEXR does, the file's
 * primaries converted by the documented matrix) encoded as the model declares in model.json / its import settings.
 */
class ModelInputColourTest {
    static final Path REPO = Path.of(System.getProperty("prism.repo.dir", ".."));
    static final Path ALBEDO = REPO.resolve("models/albedo-v1");
    /** libOpenEXR-made luminance/chroma files and what its RGBA interface reads from them (vision's test fixtures). */
    static final Path YC = REPO.resolve("vision/src/test/resources/yc");
    /** ITU-R BT.2087: linear Rec.2020 → linear Rec.709. */
    static final double[][] BT2087 = {{1.6605, -0.5876, -0.0728}, {-0.1246, 1.1329, -0.0083}, {-0.0182, -0.1006, 1.1187}};

    static FloatImage rgba(String name) throws Exception {
        return ExrReader.read(YC.resolve(name)).parts().get(0).image();
    }

    @Test
    void luminanceChromaFileReachesTheModelAsLibOpenExrsRgb(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isDirectory(YC), "vision's YC fixtures not found at " + YC.toAbsolutePath());
        Path yc = YC.resolve("yca-rec709.exr"), ref = YC.resolve("yca-rec709.rgba.exr");
        FloatImage libRgb = rgba("yca-rec709.rgba.exr");
        try (Predictor p = Predictors.open(ALBEDO, null, "cpu", 1, "fp32")) {
            assertThat(p.inputEncoding()).isEqualTo(InputEncoding.DEFAULT);               // declared in model.json
            FloatImage in = p.inputEncoding().read(yc, null);
            int cx = in.width() / 2, cy = in.height() / 2;
            for (int c = 0; c < 3; c++) {
                float lib = libRgb.get(libRgb.indexOf(List.of("R", "G", "B").get(c)), cx, cy);
                assertThat(in.get(c, cx, cy)).as("centre %s", in.channels().get(c)).isEqualTo(Srgb.encode(ToneMap.SHOULDER.apply(lib)));
            }
            // the raw decode holds A, BY, RY, Y: three of them renamed to R, G, B was the old, wrong input
            assertThat(ImageFiles.read(yc).channels()).doesNotContain("R", "G", "B");
        }
        Path fromYc = dir.resolve("yc-albedo.exr"), fromRgba = dir.resolve("rgba-albedo.exr");
        assertThat(new CommandLine(new PredictCommand()).execute("--model", ALBEDO.toString(), "--threads", "1",
                yc.toString(), fromYc.toString())).isZero();
        assertThat(new CommandLine(new PredictCommand()).execute("--model", ALBEDO.toString(), "--threads", "1",
                ref.toString(), fromRgba.toString())).isZero();
        FloatImage a = ImageFiles.read(fromYc), b = ImageFiles.read(fromRgba);
        assertThat(a.channels()).isEqualTo(b.channels());
        for (int c = 0; c < a.channelCount(); c++) assertThat(a.planes()[c]).as(a.channels().get(c)).isEqualTo(b.planes()[c]);
    }

    @Test
    void wideGamutPixelReachesTheModelThroughTheDocumentedMatrix(@TempDir Path dir) throws Exception {
        float[][] px = {{0.05f, 0.6f, 0.1f}, {0.7f, 0.3f, 0.02f}, {0.18f, 0.18f, 0.18f}};
        FloatImage img = FloatImage.blank(3, 1, List.of("B", "G", "R"));
        for (int i = 0; i < 3; i++) for (int c = 0; c < 3; c++) img.set(img.indexOf(List.of("R", "G", "B").get(c)), i, 0, px[i][c]);
        Path f = dir.resolve("rec2020.exr");
        ExrWriter.write(f, img, ExrWriteOptions.defaults().compression(Compression.ZIP).pixelType(PixelType.FLOAT)
                .chromaticities(Chromaticities.REC2020));
        try (Predictor p = Predictors.open(ALBEDO, null, "cpu", 1, "fp32")) {
            FloatImage in = p.inputEncoding().read(f, null);
            for (int i = 0; i < 3; i++) {
                for (int c = 0; c < 3; c++) {
                    double linear = BT2087[c][0] * px[i][0] + BT2087[c][1] * px[i][1] + BT2087[c][2] * px[i][2];
                    double toned = linear <= 0.8 ? Math.max(0, linear) : 0.8 + 0.2 * (1 - Math.exp(-(linear - 0.8) / 0.2));   // the shoulder
                    double want = Srgb.encode((float) toned);
                    assertThat((double) in.get(c, i, 0)).as("pixel %d channel %d", i, c).isCloseTo(want, within(3e-4));
                }
            }
        }
        // a model whose model.json declares ACEScg working primaries and linear input gets the file's ACEScg values
        Path acesModel = dir.resolve("albedo-acescg");
        Files.createDirectories(acesModel);
        try (Stream<Path> s = Files.list(ALBEDO)) {
            for (Path file : s.toList()) Files.copy(file, acesModel.resolve(file.getFileName()));
        }
        String json = Files.readString(acesModel.resolve("model.json"));
        assertThat(json).contains("\"toneMap\" : \"shoulder\"");
        Files.writeString(acesModel.resolve("model.json"), json.replace("\"primaries\" : \"rec709\"", "\"primaries\" : \"acescg\"")
                .replace("\"toneMap\" : \"shoulder\"", "\"toneMap\" : \"clamp\"").replace("\"transfer\" : \"srgb\"", "\"transfer\" : \"linear\""));
        Path aces = dir.resolve("acescg.exr");
        ExrWriter.write(aces, img, ExrWriteOptions.defaults().compression(Compression.ZIP).pixelType(PixelType.FLOAT)
                .chromaticities(Chromaticities.ACES_AP1));
        try (Predictor p = Predictors.open(acesModel, null, "cpu", 1, "fp32")) {
            assertThat(p.inputEncoding()).isEqualTo(new InputEncoding("acescg", ToneMap.CLAMP, InputEncoding.Transfer.LINEAR));
            FloatImage in = p.inputEncoding().read(aces, null);
            for (int i = 0; i < 3; i++) for (int c = 0; c < 3; c++) assertThat((double) in.get(c, i, 0)).isCloseTo(px[i][c], within(1e-5));
        }
    }

    @Test
    void importRecordsTheInputEncodingOfADiffusersModel(@TempDir Path dir) throws Exception {
        Path tiny = MarigoldReference.tinyIid();
        ModelImport plain = ModelImport.prepare(tiny, "albedo", dir.resolve("a"));
        assertThat(plain.files()).containsKey(ImportSettings.FILE);
        assertThat(ImportSettings.read(plain.files().get(ImportSettings.FILE).getParent()).encoding()).isEqualTo(InputEncoding.DEFAULT);
        assertThat(plain.description()).contains("input primaries rec709, tone map shoulder, transfer srgb");

        InputEncoding aces = new InputEncoding("acescg", ToneMap.ACES_FITTED, InputEncoding.Transfer.SRGB);
        ModelImport custom = ModelImport.prepare(tiny, "albedo", dir.resolve("b"), aces);
        // the registered folder (here: the files laid out again) declares it, and the predictor and trainers read it
        Path registered = dir.resolve("registered");
        for (var e : custom.files().entrySet()) {
            Files.createDirectories(registered.resolve(e.getKey()).getParent());
            Files.createSymbolicLink(registered.resolve(e.getKey()), e.getValue().toAbsolutePath());
        }
        assertThat(MarigoldCheckpoint.read(registered).inputEncoding()).isEqualTo(aces);
        Files.delete(registered.resolve(ImportSettings.FILE));
        Files.writeString(registered.resolve(ImportSettings.FILE), "{\"inputEncoding\": {\"primaries\": \"adobe-rgb\"}}");
        assertThatThrownBy(() -> ModelImport.prepare(registered, "albedo", dir.resolve("c")))
                .hasMessageContaining(ImportSettings.FILE).hasMessageContaining("unknown primaries 'adobe-rgb'");
    }
}
