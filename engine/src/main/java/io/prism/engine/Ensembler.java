package io.prism.engine;

import java.util.Arrays;

/**
 * Reduces ensemble members per pixel: median with median absolute deviation, or mean with standard deviation — as
 * diffusers' Marigold pipelines do it (torch.median: the lower middle value for an even count; torch.std: unbiased).
 */
public final class Ensembler {
    private Ensembler() {}

    /** members[e][c][i] → {value[c][i], uncertainty[c][i]}. */
    public static float[][][] reduce(float[][][] members, Reduction reduction) {
        int e = members.length, cs = members[0].length, n = members[0][0].length;
        float[][] value = new float[cs][n], unc = new float[cs][n];
        float[] buf = new float[e], dev = new float[e];
        for (int c = 0; c < cs; c++) {
            for (int i = 0; i < n; i++) {
                if (e == 1) {
                    value[c][i] = members[0][c][i];
                    continue;
                }
                for (int k = 0; k < e; k++) buf[k] = members[k][c][i];
                if (reduction == Reduction.MEDIAN) {
                    float med = median(buf);
                    for (int k = 0; k < e; k++) dev[k] = Math.abs(buf[k] - med);
                    value[c][i] = med;
                    unc[c][i] = median(dev);
                } else {
                    double s = 0, s2 = 0;
                    for (float v : buf) s += v;
                    double mean = s / e;
                    for (float v : buf) s2 += (v - mean) * (v - mean);
                    value[c][i] = (float) mean;
                    unc[c][i] = (float) Math.sqrt(s2 / (e - 1));
                }
            }
        }
        return new float[][][] {value, unc};
    }

    /** Median of a (sorted in place) array; the lower of the two middle values for even lengths, as torch.median. */
    static float median(float[] a) {
        Arrays.sort(a);
        return a[(a.length - 1) / 2];
    }
}
