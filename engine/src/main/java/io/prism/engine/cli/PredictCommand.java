package io.prism.engine.cli;

import io.prism.engine.DensePredictor;
import io.prism.engine.InputEncoding;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Reduction;
import io.prism.engine.image.Resample;
import io.prism.engine.model.ModelSpec;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.concurrent.Callable;

/**
 * {@code prism predict --model DIR in.exr out.exr}. EXR inputs are scene-linear beauty (tone-mapped and
 * sRGB-encoded first); PNG/TIFF/JPEG inputs are taken as sRGB. Albedo is written sRGB-encoded to PNG/TIFF/JPEG
 * and linear (decoded) to EXR, as each format expects; masks are written as Y in {0, 1}.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict albedo or a transparency mask for one image (EXR/PNG in and out).")
public final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "checkpoint folder (model.json + weights)") Path model;
    @Parameters(index = "0", description = "input image (EXR: linear beauty; PNG/TIFF/JPEG: sRGB)") Path input;
    @Parameters(index = "1", description = "output image (.exr or .png/.tif/.jpg)") Path output;
    @Option(names = "--uncertainty", description = "also write the ensemble uncertainty here") Path uncertainty;
    @Option(names = "--steps", description = "denoising steps (default: the model's)") Integer steps;
    @Option(names = "--ensemble", description = "ensemble size (default: the model's)") Integer ensemble;
    @Option(names = "--resolution", description = "processing resolution, 0 = native (default: the model's)") Integer resolution;
    @Option(names = "--reduction", description = "median or mean") String reduction;
    @Option(names = "--resample", description = "nearest, bilinear or bicubic") String resample;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--tile", defaultValue = "-1", description = "tile size in processed pixels (0 = off; default: model's)") int tile;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu:N") String device;
    @Option(names = "--threads", defaultValue = "0") int threads;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        FloatImage in = ImageFiles.readBeauty(input);
        boolean exrIn = ImageFiles.sniff(input) == ImageFormat.EXR;
        FloatImage srgb = exrIn ? InputEncoding.beautyToSrgb(in) : io.prism.engine.image.ImageOps.rgb(in, input.toString());
        try (DensePredictor p = DensePredictor.open(model, device, threads)) {
            PredictOptions o = p.defaultOptions().withSeed(seed);
            if (steps != null) o = o.withSteps(steps);
            if (ensemble != null) o = o.withEnsembleSize(ensemble);
            if (resolution != null) o = o.withProcessingResolution(resolution);
            if (reduction != null) o = o.withReduction(Reduction.parse(reduction));
            if (resample != null) o = o.withResample(Resample.parse(resample));
            if (tile >= 0) o = o.withTiling(tile, Math.min(o.tileOverlap(), Math.max(0, tile / 2 - 1)));
            Prediction r = p.predict(srgb, o);
            boolean albedo = p.spec().task().equals(ModelSpec.TASK_ALBEDO);
            write(output, r.result(), albedo);
            if (uncertainty != null) ImageFiles.write(uncertainty, r.uncertainty());
            Prediction.Stats s = r.stats();
            System.out.printf("%s: %s -> %s (%dx%d processed at %dx%d, %d tile(s), %d step(s), ensemble %d, %.0f ms)%n",
                    p.spec().name(), input, output, in.width(), in.height(), s.processedWidth(), s.processedHeight(),
                    s.tiles(), s.steps(), s.ensembleSize(), s.millis());
        }
        return 0;
    }

    static void write(Path out, FloatImage img, boolean albedo) throws Exception {
        ImageFormat f = ImageFormat.ofExtension(out);
        if (f == null) throw new IllegalArgumentException("cannot tell the output format from " + out + " (.exr, .png, .tif, .jpg)");
        ImageFiles.write(out, albedo && f == ImageFormat.EXR ? InputEncoding.srgbToLinear(img) : img);
    }
}
