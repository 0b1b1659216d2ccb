package io.prism.engine;

import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.marigold.MarigoldPredictor;
import io.prism.engine.model.CheckpointException;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.transparency.TransparencyPredictor;
import io.prism.vision.image.FloatImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Opens whichever kind of model a folder holds — an SD3.5 transparency pipeline (StableDiffusion3Pipeline layout, task
 * "mask"), a diffusers Marigold pipeline ({@code model_index.json}) or one of
 * Prism's compact checkpoints ({@code model.json}) — and shapes its output for storage: the task's layer with the
 * model's further layers as prefixed channels, and a display-ready preview.
 */
public final class Predictors {
    private Predictors() {}

    /**
     * @param task   the task the caller will use the model for; null: whatever the folder says (compact checkpoints
     *               only; a Marigold folder's task follows from its pipeline class)
     * @param dtype  "fp32" or "fp16" (GPU) for diffusers models; compact models always run in fp32
     */
    public static Predictor open(Path dir, String task, String device, int threads, String dtype) throws CheckpointException {
        if (TransparencyPredictor.isSd3Folder(dir)) return TransparencyPredictor.open(dir, task, device, threads, dtype);
        if (MarigoldCheckpoint.isDiffusersFolder(dir)) {
            String t = task != null ? task : taskOf(MarigoldCheckpoint.read(dir));
            return MarigoldPredictor.open(dir, t, device, threads, dtype);
        }
        return DensePredictor.create(ModelCheckpoint.load(dir), device, threads);
    }

    /** The task a Marigold folder serves: albedo (intrinsics), depth or normals. */
    public static String taskOf(MarigoldCheckpoint c) {
        return switch (c.kind()) {
            case INTRINSICS -> "albedo";
            case DEPTH -> "depth";
            case NORMALS -> "normals";
        };
    }

    /** The result with the model's further layers appended as {@code <layer>.<channel>} channels (one EXR holds all). */
    public static FloatImage withLayers(Prediction p) {
        if (p.layers().isEmpty()) return p.result();
        List<String> names = new ArrayList<>(p.result().channels());
        List<float[]> planes = new ArrayList<>(List.of(p.result().planes()));
        for (Map.Entry<String, FloatImage> e : p.layers().entrySet()) {
            FloatImage l = e.getValue();
            for (int c = 0; c < l.channelCount(); c++) {
                names.add(e.getKey() + "." + l.channels().get(c));
                planes.add(l.planes()[c]);
            }
        }
        return new FloatImage(p.result().width(), p.result().height(), names, planes.toArray(new float[0][]));
    }

    /**
     * What a person looks at for a task's result: albedo as it is (sRGB), masks and depth as grey, normals mapped from
     * [−1, 1] to [0, 1] per axis (the usual normal-map colours).
     */
    public static FloatImage preview(String task, FloatImage result) {
        return switch (task) {
            case "normals" -> {
                float[][] out = new float[3][];
                for (int c = 0; c < 3; c++) {
                    float[] p = result.planes()[c], q = new float[p.length];
                    for (int i = 0; i < p.length; i++) q[i] = Math.max(0f, Math.min(1f, p[i] * 0.5f + 0.5f));
                    out[c] = q;
                }
                yield new FloatImage(result.width(), result.height(), List.of("R", "G", "B"), out);
            }
            case "depth" -> result.rename(List.of("Y"));
            default -> result;
        };
    }
}
