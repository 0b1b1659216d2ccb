package io.prism.trainer.gate;

import io.prism.trainer.TrainerConfig.GateSettings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The promotion rule. Both models were scored on the same frames with the same seeds; every metric is "higher is
 * better" (PSNR, SSIM, IoU, F1). The candidate passes when
 * <ul>
 * <li>its main metric on the new data's holdout beats the active model's by at least {@code margin}, and</li>
 * <li>no guard metric — every metric on the guard sets (e.g. the original synthetic style) and the other metrics on
 *     the holdout — falls below the active model's by more than that metric's tolerance.</li>
 * </ul>
 */
public final class Gate {
    public static final String HOLDOUT = "holdout";

    private Gate() {}

    /**
     * The verdict and its evidence.
     *
     * @param mainDelta candidate minus active on the main metric of the holdout
     * @param checks    one line per comparison, e.g. {@code holdout.psnr: 24.10 vs 21.30 (+2.80, need >= +0.25) ok}
     */
    public record Result(boolean passed, String mainMetric, double mainDelta, List<String> checks, List<String> failures) {
        public String summary() {
            return (passed ? "passed" : "failed: " + String.join("; ", failures)) + " [" + String.join("; ", checks) + "]";
        }

        public Map<String, Object> toJson() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("passed", passed);
            m.put("mainMetric", mainMetric);
            m.put("mainDelta", mainDelta);
            m.put("checks", checks);
            m.put("failures", failures);
            return m;
        }
    }

    /**
     * @param candidate metrics by set name ({@value #HOLDOUT}, guard sets) then metric name
     * @param active    the same for the active model
     */
    public static Result judge(GateSettings s, Map<String, Map<String, Double>> candidate, Map<String, Map<String, Double>> active) {
        List<String> checks = new ArrayList<>();
        List<String> failures = new ArrayList<>();
        Map<String, Double> candHoldout = candidate.getOrDefault(HOLDOUT, Map.of());
        Map<String, Double> actHoldout = active.getOrDefault(HOLDOUT, Map.of());
        Double c = candHoldout.get(s.mainMetric());
        Double a = actHoldout.get(s.mainMetric());
        double delta = Double.NaN;
        if (c == null || a == null || c.isNaN() || a.isNaN()) {
            failures.add("main metric " + s.mainMetric() + " missing on the holdout");
        } else {
            delta = c - a;
            boolean ok = delta >= s.margin();
            String line = String.format("%s.%s: %.4f vs %.4f (%+.4f, need >= %+.4f) %s", HOLDOUT, s.mainMetric(), c, a, delta, s.margin(), ok ? "ok" : "FAIL");
            checks.add(line);
            if (!ok) failures.add(line);
        }
        for (var set : candidate.entrySet()) {
            for (var metric : set.getValue().entrySet()) {
                if (set.getKey().equals(HOLDOUT) && metric.getKey().equals(s.mainMetric())) continue;
                Double before = active.getOrDefault(set.getKey(), Map.of()).get(metric.getKey());
                if (before == null) continue; // nothing to compare with
                double tol = s.tolerances().getOrDefault(metric.getKey(), 0.0);
                double d = metric.getValue() - before;
                boolean ok = !Double.isNaN(d) && d >= -tol;
                String line = String.format("%s.%s: %.4f vs %.4f (%+.4f, may drop %.4f) %s", set.getKey(), metric.getKey(),
                        metric.getValue(), before, d, tol, ok ? "ok" : "FAIL");
                checks.add(line);
                if (!ok) failures.add(line);
            }
        }
        return new Result(failures.isEmpty(), s.mainMetric(), delta, checks, failures);
    }
}
