package io.prism.engine.marigold;

import ai.djl.ndarray.NDArray;
import io.prism.engine.Ensembler;
import io.prism.engine.Reduction;
import io.prism.vision.image.FloatImage;

import java.util.List;

/**
 * Step 6 of the Marigold pipelines: one image's E members of one target → prediction and uncertainty, per kind as in
 * diffusers — intrinsics: median + MAD or mean + unbiased std per value (ensemble_intrinsics); normals: the member
 * closest to the normalised mean, or the mean, uncertainty = mean angle to it / π (ensemble_normals); depth: members
 * aligned by scale and shift, reduced, normalised to [0, 1] (ensemble_depth).
 *
 * <p>Depth differs from diffusers in one documented way: diffusers refines the members' min/max alignment with SciPy's
 * BFGS on their pairwise RMS difference; Prism uses the min/max alignment (diffusers' starting point) as it is.
 */
public final class MarigoldEnsemble {
    private MarigoldEnsemble() {}

    public record Result(FloatImage prediction, FloatImage uncertainty) {}

    public static Result reduce(MarigoldCheckpoint checkpoint, List<FloatImage> members, String reduction, boolean uncertainty) {
        int e = members.size();
        List<String> names = channelNames(checkpoint, members.get(0).channelCount());
        if (e == 1) return new Result(rename(members.get(0), names), null);
        return switch (checkpoint.kind()) {
            case INTRINSICS -> plain(members, Reduction.parse(reduction), uncertainty, names);
            case DEPTH -> depth(members, Reduction.parse(reduction), uncertainty, checkpoint.shiftInvariant(), names);
            case NORMALS -> normals(members, reduction, uncertainty, names);
        };
    }

    private static List<String> channelNames(MarigoldCheckpoint checkpoint, int channels) {
        return switch (checkpoint.kind()) {
            case DEPTH -> List.of("Z");
            case NORMALS -> List.of("X", "Y", "Z");
            case INTRINSICS -> List.of("R", "G", "B");
        };
    }

    private static FloatImage rename(FloatImage img, List<String> names) {
        return new FloatImage(img.width(), img.height(), names, img.planes());
    }

    private static Result plain(List<FloatImage> members, Reduction reduction, boolean withUncertainty, List<String> names) {
        float[][][] m = new float[members.size()][][];
        for (int k = 0; k < m.length; k++) m[k] = members.get(k).planes();
        float[][][] r = Ensembler.reduce(m, reduction);
        FloatImage first = members.get(0);
        return new Result(new FloatImage(first.width(), first.height(), names, r[0]),
                withUncertainty ? new FloatImage(first.width(), first.height(), names, r[1]) : null);
    }

    private static Result depth(List<FloatImage> members, Reduction reduction, boolean withUncertainty, boolean shiftInvariant,
                                List<String> names) {
        int e = members.size();
        float[][][] aligned = new float[e][1][];
        for (int k = 0; k < e; k++) {
            float[] d = members.get(k).planes()[0];
            float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
            for (float v : d) { min = Math.min(min, v); max = Math.max(max, v); }
            float s = shiftInvariant ? 1f / Math.max(max - min, 1e-6f) : 1f / Math.max(max, 1e-6f);
            float t = shiftInvariant ? -s * min : 0f;
            float[] a = new float[d.length];
            for (int i = 0; i < d.length; i++) a[i] = d[i] * s + t;
            aligned[k][0] = a;
        }
        float[][][] r = Ensembler.reduce(aligned, reduction);
        float[] depth = r[0][0];
        float min = Float.POSITIVE_INFINITY, max = Float.NEGATIVE_INFINITY;
        for (float v : depth) { min = Math.min(min, v); max = Math.max(max, v); }
        if (!shiftInvariant) min = 0;
        float range = Math.max(max - min, 1e-6f);
        for (int i = 0; i < depth.length; i++) depth[i] = (depth[i] - min) / range;
        float[] unc = r[1][0];
        for (int i = 0; i < unc.length; i++) unc[i] /= range;
        FloatImage first = members.get(0);
        return new Result(new FloatImage(first.width(), first.height(), names, new float[][] {depth}),
                withUncertainty ? new FloatImage(first.width(), first.height(), names, new float[][] {unc}) : null);
    }

    private static Result normals(List<FloatImage> members, String reduction, boolean withUncertainty, List<String> names) {
        if (!reduction.equals("closest") && !reduction.equals("mean")) {
            throw new IllegalArgumentException("normals ensembling is 'closest' or 'mean', not '" + reduction + "'");
        }
        int e = members.size(), w = members.get(0).width(), h = members.get(0).height(), n = w * h;
        float[][] pred = new float[3][n];
        float[] unc = new float[n];
        for (int i = 0; i < n; i++) {
            double mx = 0, my = 0, mz = 0;
            for (FloatImage m : members) { mx += m.planes()[0][i]; my += m.planes()[1][i]; mz += m.planes()[2][i]; }
            float fx = (float) (mx / e), fy = (float) (my / e), fz = (float) (mz / e);
            float norm = Math.max((float) Math.sqrt(fx * fx + fy * fy + fz * fz), 1e-6f);
            fx /= norm; fy /= norm; fz /= norm;
            int best = 0;
            float bestCos = Float.NEGATIVE_INFINITY;
            double angle = 0;
            for (int k = 0; k < e; k++) {
                float[][] p = members.get(k).planes();
                float cos = Math.max(-1f, Math.min(1f, fx * p[0][i] + fy * p[1][i] + fz * p[2][i]));
                angle += Math.acos(cos);
                if (cos > bestCos) { bestCos = cos; best = k; }
            }
            unc[i] = (float) (angle / e / Math.PI);
            float[][] chosen = members.get(best).planes();
            pred[0][i] = reduction.equals("mean") ? fx : chosen[0][i];
            pred[1][i] = reduction.equals("mean") ? fy : chosen[1][i];
            pred[2][i] = reduction.equals("mean") ? fz : chosen[2][i];
        }
        return new Result(new FloatImage(w, h, names, pred),
                withUncertainty ? new FloatImage(w, h, List.of("Y"), new float[][] {unc}) : null);
    }

    /** Unit-length normals per pixel (diffusers normalize_normals, eps 1e-6), after resizing. */
    public static FloatImage normalise(FloatImage img) {
        float[][] p = img.planes();
        float[][] out = new float[3][p[0].length];
        for (int i = 0; i < p[0].length; i++) {
            float norm = Math.max((float) Math.sqrt(p[0][i] * p[0][i] + p[1][i] * p[1][i] + p[2][i] * p[2][i]), 1e-6f);
            for (int c = 0; c < 3; c++) out[c][i] = p[c][i] / norm;
        }
        return new FloatImage(img.width(), img.height(), img.channels(), out);
    }

    /** Decoded normals [B,3,H,W] in [−1,1] → z remapped to [0,1] unless the full z range is used → unit length. */
    static NDArray normaliseNormals(NDArray x, boolean useFullZRange) {
        NDArray n = x;
        if (!useFullZRange) {
            NDArray z = x.get(":, 2:3").mul(0.5f).add(0.5f);
            n = x.get(":, 0:2").concat(z, 1);
        }
        NDArray norm = n.square().sum(new int[] {1}, true).sqrt().maximum(1e-6f);
        return n.div(norm);
    }
}
