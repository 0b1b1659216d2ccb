package io.prism.engine.eval;

import io.prism.vision.color.Srgb;
import io.prism.engine.DensePredictor;
import io.prism.engine.Predictor;
import io.prism.engine.AlbedoEncoding;
import io.prism.engine.PredictOptions;
import io.prism.engine.Prediction;
import io.prism.engine.model.CheckpointException;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.train.TrainingPair;
import io.prism.vision.image.FloatImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores a model on ground-truth pairs with fixed seeds. Albedo: PSNR and SSIM in sRGB against the
 * sRGB-encoded true albedo, next to two trivial baselines (albedo = beauty; albedo = beauty's
 * chromaticity at a constant luminance, the holdout's mean albedo luminance), averaged over images. Mask: IoU
 * and F1 of the foreground pooled over all pixels of all images (a frame without glass cannot inflate them).
 */
public final class Evaluator {
    private Evaluator() {}

    /** Mean metrics over images; NaN where a metric does not apply to the task. */
    public record Result(String task, int images, double psnr, double ssim, double iou, double f1,
                         double baselineBeautyPsnr, double baselineChromaticityPsnr) {
        public double bestBaselinePsnr() {
            return Math.max(baselineBeautyPsnr, baselineChromaticityPsnr);
        }

        public Map<String, Double> asMap() {
            Map<String, Double> m = new LinkedHashMap<>();
            if (task.equals(ModelSpec.TASK_ALBEDO)) {
                m.put("psnr", psnr);
                m.put("ssim", ssim);
                m.put("baseline_beauty_psnr", baselineBeautyPsnr);
                m.put("baseline_chromaticity_psnr", baselineChromaticityPsnr);
            } else {
                m.put("iou", iou);
                m.put("f1", f1);
            }
            m.put("images", (double) images);
            return m;
        }

        @Override
        public String toString() {
            return task.equals(ModelSpec.TASK_ALBEDO)
                    ? String.format("albedo on %d images: PSNR %.2f dB, SSIM %.4f (baselines: beauty %.2f dB, chromaticity %.2f dB)",
                    images, psnr, ssim, baselineBeautyPsnr, baselineChromaticityPsnr)
                    : String.format("mask on %d images: IoU %.4f, F1 %.4f", images, iou, f1);
        }
    }

    public static Result evaluate(Path checkpoint, List<TrainingPair> pairs, PredictOptions options, String device)
            throws CheckpointException {
        try (DensePredictor p = DensePredictor.open(checkpoint, device, 0)) {
            return evaluate(p, pairs, options);
        }
    }

    /** Scores any predictor (compact or diffusers model) on pairs of its task. */
    public static Result evaluate(Predictor predictor, List<TrainingPair> pairs, PredictOptions options) {
        if (pairs.isEmpty()) throw new IllegalArgumentException("no pairs to evaluate");
        String task = predictor.task();
        boolean albedo = task.equals(ModelSpec.TASK_ALBEDO);
        List<FloatImage> inputs = new ArrayList<>();
        for (TrainingPair p : pairs) inputs.add(predictor.inputEncoding().encode(p.beauty()));
        List<Prediction> preds = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i += 8) {
            preds.addAll(predictor.predict(inputs.subList(i, Math.min(inputs.size(), i + 8)), options));
        }
        double psnr = 0, ssim = 0, bBeauty = 0, bChroma = 0;
        long inter = 0, union = 0, np = 0, ng = 0;
        double meanLum = albedo ? meanLuminance(pairs) : 0;
        for (int i = 0; i < pairs.size(); i++) {
            FloatImage pred = preds.get(i).result();
            if (albedo) {
                FloatImage truth = AlbedoEncoding.toSrgb(pairs.get(i).target());
                psnr += Metrics.psnr(pred, truth);
                ssim += Metrics.ssim(pred, truth);
                bBeauty += Metrics.psnr(inputs.get(i), truth);
                bChroma += Metrics.psnr(chromaticityBaseline(pairs.get(i).beauty(), meanLum), truth);
            } else {
                long[] k = Metrics.counts(pred, pairs.get(i).target());
                inter += k[0];
                union += k[1];
                np += k[2];
                ng += k[3];
            }
        }
        int n = pairs.size();
        return albedo
                ? new Result(task, n, psnr / n, ssim / n, Double.NaN, Double.NaN, bBeauty / n, bChroma / n)
                : new Result(task, n, Double.NaN, Double.NaN, union == 0 ? 1 : (double) inter / union,
                np + ng == 0 ? 1 : 2.0 * inter / (np + ng), Double.NaN, Double.NaN);
    }

    /** Rec. 709 luminance of linear RGB. */
    static double luminance(double r, double g, double b) {
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    }

    static double meanLuminance(List<TrainingPair> pairs) {
        double s = 0;
        long n = 0;
        for (TrainingPair p : pairs) {
            float[][] a = p.target().planes();
            for (int i = 0; i < a[0].length; i++) {
                s += luminance(a[0][i], a[1][i], a[2][i]);
                n++;
            }
        }
        return s / n;
    }

    /** Albedo guess: the beauty's linear chromaticity (rgb / luminance) at constant luminance, sRGB-encoded. */
    public static FloatImage chromaticityBaseline(FloatImage linearBeauty, double luminance) {
        FloatImage b = linearBeauty;
        float[][] p = {b.plane("R"), b.plane("G"), b.plane("B")};
        float[][] out = new float[3][p[0].length];
        for (int i = 0; i < p[0].length; i++) {
            double y = luminance(p[0][i], p[1][i], p[2][i]);
            for (int c = 0; c < 3; c++) {
                double v = y > 1e-6 ? p[c][i] / y * luminance : luminance;   // black pixels: grey
                out[c][i] = Srgb.encode((float) Math.min(1, Math.max(0, v)));
            }
        }
        return new FloatImage(b.width(), b.height(), List.of("R", "G", "B"), out);
    }
}
