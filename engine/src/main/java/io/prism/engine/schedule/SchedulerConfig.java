package io.prism.engine.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Scheduler settings as stored in model.json, mirroring diffusers' scheduler_config.json.
 *
 * @param type              "ddim" or "flow_match_euler"
 * @param numTrainTimesteps T (1000 for SD2 / Marigold)
 * @param betaStart         first β of the scaled_linear schedule (0.00085)
 * @param betaEnd           last β (0.012)
 * @param betaSchedule      "scaled_linear" or "linear"
 * @param rescaleZeroSnr    rescale ᾱ so that the last train step has zero SNR (Lin et al. 2024)
 * @param timestepSpacing   "trailing" (Lin et al. / E2E-FT), "leading" or "linspace"
 * @param setAlphaToOne     ᾱ_prev for the final step: 1 if true, else ᾱ_0 (Marigold: false)
 * @param stepsOffset       added to leading timesteps (SD: 1)
 * @param predictionType    what the denoiser outputs
 * @param shift             flow-matching timestep shift s (SD3: 3.0 at 1024²; 1.0 = none)
 */
public record SchedulerConfig(String type, int numTrainTimesteps, double betaStart, double betaEnd,
                              String betaSchedule, boolean rescaleZeroSnr, String timestepSpacing,
                              boolean setAlphaToOne, int stepsOffset, String predictionType, double shift) {

    /** Marigold v1.1 / Marigold-IID: DDIM, trailing, zero-SNR, v-prediction. */
    public static SchedulerConfig marigold() {
        return new SchedulerConfig("ddim", 1000, 0.00085, 0.012, "scaled_linear", true, "trailing", false, 0,
                "v_prediction", 1.0);
    }

    /**
     * A DDIM config from diffusers' {@code scheduler/scheduler_config.json} (the file, or the {@code scheduler} folder
     * holding it). Absent keys take {@code DDIMScheduler}'s defaults; values Prism does not implement (another scheduler
     * class, trained_betas, thresholding, clip_sample, an unknown schedule / spacing / prediction type) are refused
     * with a message naming the file and the key.
     */
    public static SchedulerConfig fromDiffusers(Path file) throws IOException {
        if (Files.isDirectory(file)) file = file.resolve("scheduler_config.json");
        JsonNode j;
        try {
            j = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException(file + ": unreadable scheduler config: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) throw new IOException(file + ": not a JSON object");
        String where = file + ": ";
        String cls = j.path("_class_name").asText("DDIMScheduler");
        if (!cls.equals("DDIMScheduler")) throw new IllegalArgumentException(where + "_class_name " + cls + " is not supported (DDIMScheduler)");
        if (j.hasNonNull("trained_betas")) throw new IllegalArgumentException(where + "trained_betas are not supported");
        if (j.path("thresholding").asBoolean(false)) throw new IllegalArgumentException(where + "thresholding=true is not supported");
        if (j.path("clip_sample").asBoolean(true)) {
            throw new IllegalArgumentException(where + "clip_sample=true (DDIMScheduler's default when absent) is not supported");
        }
        String schedule = oneOf(where, j, "beta_schedule", "linear", "scaled_linear", "linear");
        String spacing = oneOf(where, j, "timestep_spacing", "leading", "trailing", "leading", "linspace");
        String prediction = oneOf(where, j, "prediction_type", "epsilon", "v_prediction", "epsilon", "sample");
        int steps = j.path("num_train_timesteps").asInt(1000);
        SchedulerConfig c = new SchedulerConfig("ddim", steps, j.path("beta_start").asDouble(0.0001),
                j.path("beta_end").asDouble(0.02), schedule, j.path("rescale_betas_zero_snr").asBoolean(false), spacing,
                j.path("set_alpha_to_one").asBoolean(true), j.path("steps_offset").asInt(0), prediction, 1.0);
        try {
            new DdimScheduler(c);                               // the remaining checks (T ≥ 2, ε at zero SNR)
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + e.getMessage(), e);
        }
        return c;
    }

    private static String oneOf(String where, JsonNode j, String key, String dflt, String... allowed) {
        String v = j.path(key).asText(dflt);
        for (String a : allowed) if (a.equals(v)) return v;
        throw new IllegalArgumentException(where + key + " '" + v + "' is not supported (" + String.join(", ", allowed) + ")");
    }

    /** SD3-style rectified flow with Euler steps. */
    public static SchedulerConfig flowMatch(double shift) {
        return new SchedulerConfig("flow_match_euler", 1000, 0, 0, "none", false, "linspace", false, 0, "flow", shift);
    }

    public PredictionType prediction() {
        return PredictionType.parse(predictionType);
    }

    /** Builds the scheduler this config describes. */
    public NoiseScheduler create() {
        return switch (type) {
            case "ddim" -> new DdimScheduler(this);
            case "flow_match_euler" -> new FlowMatchEulerScheduler(this);
            default -> throw new IllegalArgumentException("unknown scheduler type '" + type + "' (ddim, flow_match_euler)");
        };
    }
}
