package io.prism.engine.cli;

import ai.djl.ndarray.NDArray;
import io.prism.engine.AlbedoEncoding;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.Predictor;
import io.prism.engine.Predictors;
import io.prism.engine.Reduction;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.image.Resample;
import io.prism.engine.marigold.MarigoldPredictor;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import io.prism.vision.image.ImageFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;

/**
 * {@code prism predict --model DIR in.exr out.exr}, for Prism checkpoints and diffusers Marigold folders alike. EXR
 * inputs are scene-linear beauty: the beauty layer (luminance/chroma and the file's primaries converted) encoded as the
 * model declares ({@link io.prism.vision.color.InputEncoding}); PNG/TIFF/JPEG inputs are taken as sRGB display values. Albedo
 * is written sRGB-encoded to PNG/TIFF/JPEG and linear (decoded) to EXR, as each format expects; masks as Y in {0, 1};
 * depth as Z; normals as X, Y, Z. A Marigold run is reproducible: {@code --noise} takes the initial latents,
 * {@code --save-latents} writes the preprocessed image, the image latent and the final latents.
 */
@Command(name = "predict", mixinStandardHelpOptions = true,
        description = "Predict a layer (albedo, mask, depth, normals) for one image with a Prism checkpoint or a diffusers Marigold folder.")
public final class PredictCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "checkpoint folder: model.json (Prism) or model_index.json (diffusers)") Path model;
    @Parameters(index = "0", description = "input image (EXR: linear beauty; PNG/TIFF/JPEG: sRGB)") Path input;
    @Parameters(index = "1", description = "output image (.exr or .png/.tif/.jpg)") Path output;
    @Option(names = "--beauty-layer", description = "EXR part, layer or view holding the beauty (default: PRISM_BEAUTY_LAYER, else the rules in vision/README.md)") String beautyLayer;
    @Option(names = "--uncertainty", description = "also write the ensemble uncertainty here") Path uncertainty;
    @Option(names = "--steps", description = "denoising steps (default: the model's)") Integer steps;
    @Option(names = "--ensemble", description = "ensemble size (default: the model's)") Integer ensemble;
    @Option(names = "--resolution", description = "processing resolution, 0 = native (default: the model's)") Integer resolution;
    @Option(names = "--reduction", description = "median or mean") String reduction;
    @Option(names = "--resample", description = "nearest, bilinear or bicubic (Prism checkpoints)") String resample;
    @Option(names = "--seed", defaultValue = "0") long seed;
    @Option(names = "--batch", defaultValue = "0", description = "ensemble members per forward pass (0 = automatic)") int batch;
    @Option(names = "--tile", defaultValue = "-1", description = "tile size in processed pixels (0 = off; default: model's)") int tile;
    @Option(names = "--device", defaultValue = "cpu", description = "cpu or gpu:N") String device;
    @Option(names = "--dtype", defaultValue = "fp32", description = "fp32 or fp16 (GPU; diffusers models)") String dtype;
    @Option(names = "--threads", defaultValue = "0") int threads;
    @Option(names = "--noise", description = "diffusers models: initial latents (safetensors: one (E,4T,h,w) tensor, or one (1,4T,h,w) tensor per member in name order)") Path noise;
    @Option(names = "--save-latents", description = "diffusers models: write preprocessed_image, image_latent, init_pred_latent and latent_out here (safetensors; --noise takes it back)") Path saveLatents;

    @Override
    public Integer call() throws Exception {
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        try (Predictor p = Predictors.open(model, null, device, threads, dtype)) {
            FloatImage in = p.inputEncoding().read(input, beautyLayer);   // the model's input: vision's one colour pipeline
            PredictOptions o = p.defaultOptions().withSeed(seed).withBatchSize(batch);
            if (steps != null) o = o.withSteps(steps);
            if (ensemble != null) o = o.withEnsembleSize(ensemble);
            if (resolution != null) o = o.withProcessingResolution(resolution);
            if (reduction != null) o = o.withReduction(Reduction.parse(reduction));
            if (resample != null) o = o.withResample(Resample.parse(resample));
            if (tile >= 0) o = o.withTiling(tile, Math.min(o.tileOverlap(), Math.max(0, tile / 2 - 1)));
            Prediction r;
            if (noise != null || saveLatents != null) {
                if (!(p instanceof MarigoldPredictor mp)) {
                    throw new IllegalArgumentException("--noise and --save-latents need a diffusers Marigold model");
                }
                Map<String, FloatTensor> saved = new LinkedHashMap<>();
                MarigoldPredictor.Reproducible run = mp.predictReproducibly(in, o, noise == null ? null : readNoise(noise), (k, v) -> {
                    if (k.equals("preprocessed_image") || k.equals("image_latent") || k.equals("init_pred_latent")) saved.put(k, tensor(v));
                });
                if (saveLatents != null) {
                    saved.put("latent_out", new FloatTensor(run.output().latentShape(), run.output().latents()));
                    Safetensors.write(saveLatents, saved, Map.of("seed", Long.toString(seed), "steps", Integer.toString(o.steps()),
                            "ensemble", Integer.toString(o.ensembleSize()), "processing_resolution", Integer.toString(o.processingResolution())));
                }
                r = run.prediction();
            } else {
                r = p.predict(in, o);
            }
            write(output, Predictors.withLayers(r), p.task().equals("albedo"));
            if (uncertainty != null) ImageFiles.write(uncertainty, r.uncertainty());
            Prediction.Stats s = r.stats();
            System.out.printf("%s (%s): %s -> %s (%dx%d processed at %dx%d, %d tile(s), %d step(s), ensemble %d, %.0f ms)%n",
                    model.getFileName(), p.task(), input, output, in.width(), in.height(), s.processedWidth(), s.processedHeight(),
                    s.tiles(), s.steps(), s.ensembleSize(), s.millis());
        }
        return 0;
    }

    /**
     * Initial latents from a safetensors file: its {@code init_pred_latent} (what --save-latents writes) or {@code latents}
     * (diffusers' argument name) tensor if it has one, else every tensor, members in tensor-name order; flattened.
     */
    static float[] readNoise(Path file) {
        SafetensorsFile f = SafetensorsFile.open(file);
        for (String name : List.of("init_pred_latent", "latents")) {
            if (f.entries().containsKey(name)) return f.floats(name);
        }
        List<String> names = new ArrayList<>(f.entries().keySet());
        names.sort(null);
        List<float[]> parts = new ArrayList<>();
        int total = 0;
        for (String n : names) {
            float[] v = f.floats(n);
            parts.add(v);
            total += v.length;
        }
        float[] all = new float[total];
        int off = 0;
        for (float[] v : parts) {
            System.arraycopy(v, 0, all, off, v.length);
            off += v.length;
        }
        return all;
    }

    private static FloatTensor tensor(NDArray a) {
        return new FloatTensor(a.getShape().getShape(), a.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray());
    }

    static void write(Path out, FloatImage img, boolean albedo) throws Exception {
        ImageFormat f = ImageFormat.ofExtension(out);
        if (f == null) throw new IllegalArgumentException("cannot tell the output format from " + out + " (.exr, .png, .tif, .jpg)");
        ImageFiles.write(out, albedo && f == ImageFormat.EXR ? AlbedoEncoding.toLinear(img) : img);
    }
}
