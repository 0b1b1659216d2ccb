package io.prism.worker;

import io.prism.platform.config.Env;
import java.util.Locale;

/**
 * Per-task inference settings from configuration. A null field means "the model's own default from its model.json",
 * so a promoted checkpoint with different defaults is honoured unless an operator pinned a value.
 *
 * <p>Read from {@code PRISM_WORKER_<TASK>_STEPS}, {@code _ENSEMBLE}, {@code _PROCESSING_RES}, {@code _TILE_SIZE},
 * {@code _TILE_OVERLAP}, {@code _SEED} (e.g. {@code PRISM_WORKER_ALBEDO_STEPS=4}).
 *
 * @param steps                denoising steps (Marigold: 1-4)
 * @param ensembleSize         ensemble members per frame
 * @param processingResolution longest side the model works at; 0 = native
 * @param tileSize             tile frames larger than this (processed pixels); 0 = never
 * @param tileOverlap          overlap between tiles
 * @param seed                 noise seed (results are deterministic for a seed)
 */
public record TaskOptions(Integer steps, Integer ensembleSize, Integer processingResolution, Integer tileSize,
                          Integer tileOverlap, Long seed) {

    public static final TaskOptions MODEL_DEFAULTS = new TaskOptions(null, null, null, null, null, null);

    public static TaskOptions from(Env env, String task) {
        String p = "PRISM_WORKER_" + task.toUpperCase(Locale.ROOT).replace('-', '_') + "_";
        return new TaskOptions(optInt(env, p + "STEPS"), optInt(env, p + "ENSEMBLE"), optInt(env, p + "PROCESSING_RES"),
                optInt(env, p + "TILE_SIZE"), optInt(env, p + "TILE_OVERLAP"),
                env.str(p + "SEED", null) == null ? null : env.longValue(p + "SEED", 0));
    }

    private static Integer optInt(Env env, String name) {
        return env.str(name, null) == null ? null : env.integer(name, 0);
    }
}
