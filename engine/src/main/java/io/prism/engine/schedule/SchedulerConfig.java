package io.prism.engine.schedule;

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
