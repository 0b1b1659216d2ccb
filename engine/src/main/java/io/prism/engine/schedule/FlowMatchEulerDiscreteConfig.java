package io.prism.engine.schedule;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.diffusers.InvalidCheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The settings of a diffusers FlowMatchEulerDiscreteScheduler {@code scheduler_config.json} that
 * {@link FlowMatchEulerDiscreteScheduler} implements — SD3's static-shift rectified-flow Euler sampler — with diffusers'
 * defaults for absent keys. Options that change the schedule and are not implemented (resolution-dependent dynamic
 * shifting, terminal stretch, Karras / exponential / beta sigmas, inverted sigmas, stochastic sampling) are refused
 * naming the file and the key.
 *
 * @param numTrainTimesteps T (1000)
 * @param shift             static shift s: σ' = s·σ / (1 + (s − 1)·σ) (SD3/3.5: 3.0)
 */
public record FlowMatchEulerDiscreteConfig(int numTrainTimesteps, double shift) {
    public static final String CLASS_NAME = "FlowMatchEulerDiscreteScheduler";

    /** Reads a {@code scheduler_config.json} (or the {@code scheduler/} folder holding it). */
    public static FlowMatchEulerDiscreteConfig read(Path file) {
        if (Files.isDirectory(file)) file = file.resolve("scheduler_config.json");
        JsonNode j;
        try {
            j = new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidCheckpointException(file + ": unreadable scheduler config: " + e.getMessage(), e);
        }
        if (j == null || !j.isObject()) throw new InvalidCheckpointException(file + ": not a JSON object");
        String cls = j.path("_class_name").asText(CLASS_NAME);
        if (!cls.equals(CLASS_NAME)) refuse(file, "_class_name", cls, "only " + CLASS_NAME + " is read here");
        int steps = j.path("num_train_timesteps").asInt(1000);
        if (steps < 2) refuse(file, "num_train_timesteps", steps, "must be at least 2");
        double shift = j.path("shift").asDouble(1.0);
        if (!(shift > 0) || Double.isInfinite(shift)) refuse(file, "shift", shift, "must be a positive number");
        // resolution-dependent shift needs mu per image (FLUX-style); SD3/3.5 and the transparency models use the static shift
        for (String flag : new String[] {"use_dynamic_shifting", "invert_sigmas", "use_karras_sigmas", "use_exponential_sigmas",
                "use_beta_sigmas", "stochastic_sampling"}) {
            if (j.path(flag).asBoolean(false)) refuse(file, flag, true, "not implemented (only the static shift schedule is)");
        }
        if (j.hasNonNull("shift_terminal")) refuse(file, "shift_terminal", j.get("shift_terminal"), "not implemented");
        return new FlowMatchEulerDiscreteConfig(steps, shift);
    }

    private static void refuse(Path file, String key, Object value, String why) {
        throw new InvalidCheckpointException(file + ": " + key + " = " + value + ": " + why);
    }
}
