package io.prism.engine.schedule;

/** What the denoiser outputs (diffusers' names). */
public enum PredictionType {
    /** v = √ᾱ·ε − √(1−ᾱ)·x₀ (Salimans &amp; Ho 2022); the only one that is defined at ᾱ = 0. */
    V_PREDICTION,
    /** ε, the added noise. Undefined at zero terminal SNR. */
    EPSILON,
    /** x₀ directly. */
    SAMPLE,
    /** u = ε − x₀, the rectified-flow velocity (SD3). */
    FLOW;

    public static PredictionType parse(String s) {
        return switch (s.toLowerCase().replace('-', '_')) {
            case "v", "v_prediction" -> V_PREDICTION;
            case "epsilon", "eps" -> EPSILON;
            case "sample", "x0" -> SAMPLE;
            case "flow", "velocity", "flow_prediction" -> FLOW;
            default -> throw new IllegalArgumentException("unknown prediction type '" + s + "' (v_prediction, epsilon, sample, flow)");
        };
    }

    public String id() {
        return name().toLowerCase();
    }
}
