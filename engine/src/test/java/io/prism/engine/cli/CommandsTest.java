package io.prism.engine.cli;

import io.prism.vision.testing.TestExrs;
import io.prism.engine.Synthetic;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.train.TrainingPair;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** prism train on a folder of real multi-layer EXR files, then prism predict EXR → EXR / PNG with uncertainty. */
class CommandsTest {

    static void writeFrame(Path file, TrainingPair albedo, TrainingPair mask) throws Exception {
        List<String> names = List.of("R", "G", "B", "albedo.R", "albedo.G", "albedo.B", "mask.Y");
        float[][] planes = new float[7][];
        for (int c = 0; c < 3; c++) {
            planes[c] = albedo.beauty().planes()[c];
            planes[3 + c] = albedo.target().planes()[c];
        }
        planes[6] = mask.target().planes()[0];
        TestExrs.write(file, new FloatImage(32, 24, names, planes));
    }

    @Test
    void trainOnAnExrFolderThenPredictExrAndPng(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data")), val = Files.createDirectories(dir.resolve("val"));
        for (int i = 0; i < 4; i++) writeFrame(data.resolve("f" + i + ".exr"), Synthetic.albedoPair(i, 32, 24), Synthetic.maskPair(i, 32, 24));
        writeFrame(val.resolve("v.exr"), Synthetic.albedoPair(99, 32, 24), Synthetic.maskPair(99, 32, 24));
        Path run = dir.resolve("run");
        int code = new CommandLine(new TrainCommand()).execute("--task", "albedo", "--data", data.toString(), "--val-data",
                val.toString(), "--out", run.toString(), "--steps", "3", "--batch", "2", "--crop", "16", "--codec-factor", "2",
                "--channels", "8,16", "--groups", "4", "--resolution", "32", "--visualise-every", "3", "--threads", "1");
        assertThat(code).isZero();
        var spec = ModelCheckpoint.load(run.resolve("model")).spec();
        assertThat(spec.training().command()).startsWith("prism train --task albedo --data ");
        assertThat(spec.training().data().get("train").toString()).contains("4 EXR frames");
        assertThat(run.resolve("visualisations/step-000003.png")).exists();

        Path out = dir.resolve("albedo.exr"), unc = dir.resolve("unc.exr"), png = dir.resolve("albedo.png");
        code = new CommandLine(new PredictCommand()).execute("--model", run.resolve("model").toString(), "--ensemble", "2",
                "--uncertainty", unc.toString(), data.resolve("f0.exr").toString(), out.toString());
        assertThat(code).isZero();
        FloatImage res = ImageFiles.read(out);
        assertThat(res.width()).isEqualTo(32);
        assertThat(res.height()).isEqualTo(24);
        assertThat(res.channels()).contains("R", "G", "B");
        assertThat(ImageFiles.read(unc).width()).isEqualTo(32);
        assertThat(new CommandLine(new PredictCommand()).execute("--model", run.resolve("model").toString(),
                data.resolve("f0.exr").toString(), png.toString())).isZero();
        assertThat(ImageFiles.read(png).width()).isEqualTo(32);
    }

    @Test
    void trainWithABaseFineTunesTheDiffusersUNetThenPredicts(@TempDir Path dir) throws Exception {
        Path tiny = io.prism.engine.diffusers.MarigoldReference.tinyIid();
        Path data = Files.createDirectories(dir.resolve("data")), val = Files.createDirectories(dir.resolve("val"));
        for (int i = 0; i < 3; i++) writeFrame(data.resolve("f" + i + ".exr"), Synthetic.albedoPair(i, 32, 24), Synthetic.maskPair(i, 32, 24));
        writeFrame(val.resolve("v.exr"), Synthetic.albedoPair(99, 32, 24), Synthetic.maskPair(99, 32, 24));
        Path run = dir.resolve("run");
        int code = new CommandLine(new TrainCommand()).execute("--task", "albedo", "--base", tiny.toString(), "--data", data.toString(),
                "--val-data", val.toString(), "--out", run.toString(), "--steps", "2", "--batch", "2", "--lr", "1e-4",
                "--validation-steps", "1", "--threads", "1");
        assertThat(code).isZero();
        Path model = run.resolve("model");
        assertThat(model.resolve("model_index.json")).exists();
        assertThat(model.resolve("unet/diffusion_pytorch_model.safetensors")).exists();
        assertThat(Files.readString(model.resolve(io.prism.engine.marigold.train.MarigoldTrainer.TRAINING_RECORD)))
                .contains("prism train --task albedo --base");
        Path out = dir.resolve("albedo.exr");
        assertThat(new CommandLine(new PredictCommand()).execute("--model", model.toString(), "--steps", "1",
                data.resolve("f0.exr").toString(), out.toString())).isZero();
        assertThat(ImageFiles.read(out).width()).isEqualTo(32);
    }

    @Test
    void trainMaskWithAnSd3BaseFineTunesTheTransformerThenPredicts(@TempDir Path dir) throws Exception {
        Path tiny = io.prism.engine.diffusers.Sd3Reference.tinyTransparency();
        Path data = Files.createDirectories(dir.resolve("data"));
        for (int i = 0; i < 2; i++) writeFrame(data.resolve("f" + i + ".exr"), Synthetic.albedoPair(i, 32, 24), Synthetic.maskPair(i, 32, 24));
        Path run = dir.resolve("run");
        int code = new CommandLine(new TrainCommand()).execute("--task", "mask", "--base", tiny.toString(), "--data", data.toString(),
                "--out", run.toString(), "--steps", "2", "--batch", "1", "--lr", "1e-4", "--resolution", "32", "--threads", "1");
        assertThat(code).isZero();
        Path model = run.resolve("model");
        assertThat(Files.readString(model.resolve(io.prism.engine.transparency.train.TransparencyTrainer.TRAINING_RECORD)))
                .contains("prism train --task mask --base", "rectified flow");
        Path out = dir.resolve("mask.exr");
        assertThat(new CommandLine(new PredictCommand()).execute("--model", model.toString(), "--steps", "1", "--ensemble", "1", "--resolution", "32",
                data.resolve("f0.exr").toString(), out.toString())).isZero();
        assertThat(ImageFiles.read(out).width()).isEqualTo(32);
    }

    @Test
    void predictWithACorruptCheckpointFailsWithTheReason(@TempDir Path dir) throws Exception {
        Path data = Files.createDirectories(dir.resolve("data"));
        writeFrame(data.resolve("f.exr"), Synthetic.albedoPair(1, 32, 24), Synthetic.maskPair(1, 32, 24));
        Path model = Files.createDirectories(dir.resolve("model"));
        Files.writeString(model.resolve("model.json"), "not json");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CommandLine cl = new CommandLine(new PredictCommand());
        cl.setErr(new java.io.PrintWriter(err, true));
        int code = cl.execute("--model", model.toString(), data.resolve("f.exr").toString(), dir.resolve("o.exr").toString());
        assertThat(code).isNotZero();
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("malformed");
    }

    @Test
    void commandsAreRegisteredForTheLauncher() throws Exception {
        List<String> lines = new ArrayList<>();
        try (var in = getClass().getClassLoader().getResourceAsStream("META-INF/prism/commands")) {
            new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().forEach(lines::add);
        }
        assertThat(lines).contains(TrainCommand.class.getName(), PredictCommand.class.getName(), BenchPredictCommand.class.getName());
        assertThat(new CommandLine(new BenchPredictCommand()).getCommandName()).isEqualTo("bench-predict");
    }

    @Test
    void aMarigoldFolderPredictsDirectlyAndARunReplaysExactlyFromItsSavedLatents(@TempDir Path dir) throws Exception {
        Path tiny = io.prism.engine.diffusers.MarigoldReference.tinyIid();
        Path in = dir.resolve("in.exr");
        writeFrame(in, Synthetic.albedoPair(5, 32, 24), Synthetic.maskPair(5, 32, 24));
        Path first = dir.resolve("first.exr"), again = dir.resolve("again.exr"), latents = dir.resolve("run.safetensors");
        int code = new CommandLine(new PredictCommand()).execute("--model", tiny.toString(), "--resolution", "32", "--seed", "7",
                "--save-latents", latents.toString(), in.toString(), first.toString());
        assertThat(code).isZero();
        var saved = io.prism.engine.diffusers.SafetensorsFile.open(latents);
        assertThat(saved.entries()).containsKeys("preprocessed_image", "image_latent", "init_pred_latent", "latent_out");
        assertThat(saved.entry("init_pred_latent").shape()).containsExactly(1, 8, 12, 16);   // (E, 4·2 targets, h, w) at 32×24
        // another seed, but the saved initial latents: the same result to the bit
        code = new CommandLine(new PredictCommand()).execute("--model", tiny.toString(), "--resolution", "32", "--seed", "99",
                "--noise", latents.toString(), in.toString(), again.toString());
        assertThat(code).isZero();
        FloatImage a = ImageFiles.read(first), b = ImageFiles.read(again);
        assertThat(a.channels()).containsExactlyInAnyOrder("R", "G", "B", "material.roughness", "material.metallicity");
        for (int c = 0; c < a.channelCount(); c++) assertThat(b.planes()[c]).containsExactly(a.planes()[c]);
        Path other = dir.resolve("other.exr");
        new CommandLine(new PredictCommand()).execute("--model", tiny.toString(), "--resolution", "32", "--seed", "99", in.toString(), other.toString());
        assertThat(ImageFiles.read(other).planes()[0]).as("a different seed without --noise differs").isNotEqualTo(a.planes()[0]);
    }
}
