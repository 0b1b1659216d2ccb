package io.prism.trainer;

import io.prism.platform.config.Env;
import io.prism.platform.contracts.Task;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The trainer's settings, read from environment variables. Per-task values take an optional task infix that wins
 * over the general one: {@code PRISM_TRAINER_ALBEDO_MIN_NEW_PAIRS} before {@code PRISM_TRAINER_MIN_NEW_PAIRS}.
 *
 * <table>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>PRISM_TRAINER_TASKS</td><td>albedo,mask</td><td>tasks this trainer fine-tunes</td></tr>
 * <tr><td>PRISM_TRAINER_HOST</td><td>0.0.0.0</td><td>address the admin HTTP port binds (127.0.0.1: this host only)</td></tr>
 * <tr><td>PRISM_TRAINER_PORT</td><td>8083</td><td>admin HTTP port (health, metrics, model admin)</td></tr>
 * <tr><td>PRISM_TOKENS</td><td>dev:prism-dev-token:submit+read+admin</td><td>API tokens name:secret:scopes
 *     (shared format); the admin endpoints need a token with the {@code admin} scope</td></tr>
 * <tr><td>PRISM_TRAINER_DIR</td><td>$PRISM_DATA_DIR/trainer</td><td>run folders (checkpoints) and model cache</td></tr>
 * <tr><td>PRISM_MODELS_DIR</td><td>models</td><td>shipped defaults ({@code <task>-v1}) registered as v1 on first start</td></tr>
 * <tr><td>PRISM_TRAINER_[TASK_]MIN_NEW_PAIRS</td><td>200</td><td>policy: new accepted pairs since the last run that start one</td></tr>
 * <tr><td>PRISM_TRAINER_[TASK_]MAX_INTERVAL</td><td>24h</td><td>policy: a run starts after this long even with fewer
 *     new pairs (but at least {@code MIN_PAIRS_FOR_TIMED_RUN})</td></tr>
 * <tr><td>PRISM_TRAINER_[TASK_]MIN_PAIRS_FOR_TIMED_RUN</td><td>1</td><td>new pairs a timed run needs</td></tr>
 * <tr><td>PRISM_TRAINER_MIN_HOLDOUT</td><td>4</td><td>no run until the task's holdout has this many pairs (the gate needs frames)</td></tr>
 * <tr><td>PRISM_TRAINER_MAX_TRAIN_PAIRS</td><td>2000</td><td>newest accepted train pairs a run uses at most</td></tr>
 * <tr><td>PRISM_TRAINER_POLICY_INTERVAL</td><td>30s</td><td>how often the policy is checked</td></tr>
 * <tr><td>PRISM_TRAINER_HOLDOUT_FRACTION</td><td>0.1</td><td>share of pairs held out (by pair-id hash, stable)</td></tr>
 * <tr><td>PRISM_TRAINER_STEPS</td><td>500</td><td>optimiser steps per fine-tune run</td></tr>
 * <tr><td>PRISM_TRAINER_MICRO_BATCH</td><td>4</td><td>samples per forward/backward pass</td></tr>
 * <tr><td>PRISM_TRAINER_GRAD_ACCUMULATION</td><td>2</td><td>micro-batches per step (effective batch = product)</td></tr>
 * <tr><td>PRISM_TRAINER_LEARNING_RATE</td><td>2e-4 compact, 3e-5 diffusers</td><td>peak AdamW rate of a fine-tune; unset, it
 *     depends on the active model: 2e-4 for Prism's compact models, 3e-5 (Marigold's recipe) for imported diffusers
 *     checkpoints ({@link Training#learningRate(boolean)})</td></tr>
 * <tr><td>PRISM_TRAINER_WARMUP_STEPS</td><td>20</td><td>linear warm-up steps</td></tr>
 * <tr><td>PRISM_TRAINER_CROP</td><td>0</td><td>random square crop size; 0 = whole frames when they all have one size at the
 *     processing resolution, else the largest square crop that fits every frame</td></tr>
 * <tr><td>PRISM_TRAINER_CHECKPOINT_EVERY</td><td>50</td><td>steps between resumable checkpoints</td></tr>
 * <tr><td>PRISM_TRAINER_TRAIN_SEED / _DATA_SEED / _VALIDATION_SEED</td><td>1 / 3 / 2</td><td>training noise, data order, validation noise</td></tr>
 * <tr><td>PRISM_TRAINER_EVAL_SEED</td><td>1234</td><td>inference noise for both models in the gate</td></tr>
 * <tr><td>PRISM_TRAINER_EVAL_STEPS</td><td>1</td><td>denoising steps in the gate's evaluation</td></tr>
 * <tr><td>PRISM_TRAINER_EVAL_ENSEMBLE</td><td>1</td><td>ensemble members in the gate's evaluation</td></tr>
 * <tr><td>PRISM_TRAINER_THREADS</td><td>0</td><td>PyTorch threads for training (0 = engine default)</td></tr>
 * <tr><td>PRISM_TRAINER_ALBEDO_MAIN_METRIC / MASK_MAIN_METRIC</td><td>psnr / iou</td><td>the metric a candidate must improve</td></tr>
 * <tr><td>PRISM_TRAINER_[TASK_]MARGIN</td><td>albedo 0.25, mask 0.01</td><td>improvement of the main metric required (dB / absolute)</td></tr>
 * <tr><td>PRISM_TRAINER_TOLERANCE_PSNR / _SSIM / _IOU / _F1</td><td>0.5 / 0.02 / 0.02 / 0.02</td><td>largest regression a guard metric may show</td></tr>
 * <tr><td>PRISM_TRAINER_GUARD_STYLE</td><td>studio</td><td>synthetic style of the guard set (the shipped models' training style)</td></tr>
 * <tr><td>PRISM_TRAINER_GUARD_FRAMES</td><td>6</td><td>guard frames (0 = no synthetic guard set)</td></tr>
 * <tr><td>PRISM_TRAINER_GUARD_SIZE</td><td>64</td><td>guard frame width and height</td></tr>
 * <tr><td>PRISM_TRAINER_GUARD_SEED</td><td>900000</td><td>first scene seed of the guard set (never a training seed)</td></tr>
 * <tr><td>PRISM_TRAINER_GUARD_SAMPLES</td><td>16</td><td>path-tracing samples per guard and replay pixel</td></tr>
 * <tr><td>PRISM_TRAINER_REPLAY_FRAMES</td><td>16</td><td>frames of the guard style mixed into every fine-tune's
 *     training data against forgetting (0 = none); same size as the guard frames</td></tr>
 * <tr><td>PRISM_TRAINER_REPLAY_SEED</td><td>800000</td><td>first scene seed of the replay frames</td></tr>
 * <tr><td>PRISM_TRAINER_LEASE_TTL</td><td>60s</td><td>a run's lease expires this long after its last heartbeat</td></tr>
 * <tr><td>PRISM_TRAINER_HEARTBEAT</td><td>5s</td><td>lease renewal and progress write interval</td></tr>
 * <tr><td>PRISM_TRAINER_GROUP</td><td>prism-trainer</td><td>Kafka consumer group reading prism.pairs.v1</td></tr>
 * <tr><td>PRISM_TRAINER_INSTANCE</td><td>host-pid-random</td><td>this instance's name in leases and runs</td></tr>
 * </table>
 */
public record TrainerConfig(List<String> tasks, String httpHost, int httpPort, String tokens, Path workDir, Path modelsDir,
                            Map<String, TaskPolicy> policies, int minHoldout, int maxTrainPairs, Duration policyInterval,
                            double holdoutFraction, Training training, Evaluation evaluation,
                            Map<String, GateSettings> gates, Guard guard, Duration leaseTtl, Duration heartbeat,
                            String instance, String consumerGroup) {

    public static final String DEV_TOKENS = io.prism.platform.auth.ApiTokens.DEV_TOKENS;

    /** When a task's run starts (see {@link io.prism.trainer.policy.RunPolicy}). */
    public record TaskPolicy(int minNewPairs, Duration maxInterval, int minPairsForTimedRun) {
        public TaskPolicy {
            if (minNewPairs < 1) throw new IllegalArgumentException("min new pairs must be >= 1");
            if (minPairsForTimedRun < 1) throw new IllegalArgumentException("a timed run needs at least 1 new pair");
        }
    }

    /**
     * Engine training settings of a fine-tune run.
     *
     * @param learningRate the peak rate set by {@code PRISM_TRAINER_LEARNING_RATE}, or null for the default by model
     *                     kind ({@link #learningRate(boolean)})
     */
    public record Training(int steps, int microBatch, int gradAccumulation, Double learningRate, int warmupSteps,
                           int cropSize, int checkpointEvery, long trainSeed, long dataSeed, long validationSeed,
                           int threads) {
        public Training {
            if (steps < 1) throw new IllegalArgumentException("PRISM_TRAINER_STEPS must be >= 1");
            if (microBatch < 1 || gradAccumulation < 1) throw new IllegalArgumentException("batch sizes must be >= 1");
            if (checkpointEvery < 0) throw new IllegalArgumentException("PRISM_TRAINER_CHECKPOINT_EVERY must be >= 0");
            if (learningRate != null && !(learningRate > 0)) throw new IllegalArgumentException("PRISM_TRAINER_LEARNING_RATE must be > 0");
        }

        /** Peak rate for compact models when none is set: what the shipped demo models were fine-tuned with. */
        public static final double COMPACT_LEARNING_RATE = 2e-4;
        /** Peak rate for diffusers (Marigold) checkpoints when none is set: Marigold's own fine-tuning recipe. */
        public static final double DIFFUSERS_LEARNING_RATE = 3e-5;

        /**
         * The one rule for a run's peak rate: the configured one when set, else by what is fine-tuned — a pretrained
         * diffusers UNet (865 M parameters) takes Marigold's 3e-5, a compact model 2e-4.
         */
        public double learningRate(boolean diffusersCheckpoint) {
            if (learningRate != null) return learningRate;
            return diffusersCheckpoint ? DIFFUSERS_LEARNING_RATE : COMPACT_LEARNING_RATE;
        }

        public int effectiveBatch() {
            return microBatch * gradAccumulation;
        }
    }

    /** How the gate runs inference: the same for candidate and active model. */
    public record Evaluation(long seed, int steps, int ensemble) {}

    /** What a candidate must show: main metric better by {@code margin}; guard metrics within their tolerances. */
    public record GateSettings(String mainMetric, double margin, Map<String, Double> tolerances) {}

    /**
     * The synthetic guard set, and the replay frames of the same style mixed into every fine-tune (rehearsal of the
     * original data, so tuning on one show does not make the model forget the rest). Disjoint seed ranges.
     */
    public record Guard(String style, int frames, int size, long firstSeed, int samples, int replayFrames, long replayFirstSeed) {}

    public TaskPolicy policy(String task) {
        TaskPolicy p = policies.get(task);
        if (p == null) throw new IllegalArgumentException("task " + task + " is not trained here (PRISM_TRAINER_TASKS=" + tasks + ")");
        return p;
    }

    public GateSettings gate(String task) {
        GateSettings g = gates.get(task);
        if (g == null) throw new IllegalArgumentException("task " + task + " is not trained here (PRISM_TRAINER_TASKS=" + tasks + ")");
        return g;
    }

    public static TrainerConfig from(Env env, Path dataDir) {
        List<String> tasks = env.list("PRISM_TRAINER_TASKS", List.of(Task.ALBEDO, Task.MASK));
        for (String t : tasks) {
            if (!t.equals(Task.ALBEDO) && !t.equals(Task.MASK)) {
                throw new IllegalStateException("PRISM_TRAINER_TASKS: unknown task '" + t + "' (known: albedo, mask)");
            }
        }
        double holdout = env.decimal("PRISM_TRAINER_HOLDOUT_FRACTION", 0.1);
        if (!(holdout > 0 && holdout < 1)) {
            throw new IllegalStateException("PRISM_TRAINER_HOLDOUT_FRACTION must be in (0, 1), got " + holdout);
        }
        Map<String, TaskPolicy> policies = new LinkedHashMap<>();
        Map<String, GateSettings> gates = new LinkedHashMap<>();
        Map<String, Double> tolerances = Map.of(
                "psnr", env.decimal("PRISM_TRAINER_TOLERANCE_PSNR", 0.5),
                "ssim", env.decimal("PRISM_TRAINER_TOLERANCE_SSIM", 0.02),
                "iou", env.decimal("PRISM_TRAINER_TOLERANCE_IOU", 0.02),
                "f1", env.decimal("PRISM_TRAINER_TOLERANCE_F1", 0.02));
        for (String t : tasks) {
            String up = t.toUpperCase(Locale.ROOT);
            policies.put(t, new TaskPolicy(
                    perTask(env, up, "MIN_NEW_PAIRS", 200),
                    env.duration("PRISM_TRAINER_" + up + "_MAX_INTERVAL", env.duration("PRISM_TRAINER_MAX_INTERVAL", Duration.ofHours(24))),
                    perTask(env, up, "MIN_PAIRS_FOR_TIMED_RUN", 1)));
            String main = env.str("PRISM_TRAINER_" + up + "_MAIN_METRIC", t.equals(Task.ALBEDO) ? "psnr" : "iou");
            double margin = env.decimal("PRISM_TRAINER_" + up + "_MARGIN", env.decimal("PRISM_TRAINER_MARGIN", t.equals(Task.ALBEDO) ? 0.25 : 0.01));
            gates.put(t, new GateSettings(main, margin, tolerances));
        }
        Training training = new Training(
                env.integer("PRISM_TRAINER_STEPS", 500),
                env.integer("PRISM_TRAINER_MICRO_BATCH", 4),
                env.integer("PRISM_TRAINER_GRAD_ACCUMULATION", 2),
                learningRate(env),
                env.integer("PRISM_TRAINER_WARMUP_STEPS", 20),
                env.integer("PRISM_TRAINER_CROP", 0),
                env.integer("PRISM_TRAINER_CHECKPOINT_EVERY", 50),
                env.longValue("PRISM_TRAINER_TRAIN_SEED", 1),
                env.longValue("PRISM_TRAINER_DATA_SEED", 3),
                env.longValue("PRISM_TRAINER_VALIDATION_SEED", 2),
                env.integer("PRISM_TRAINER_THREADS", 0));
        Evaluation evaluation = new Evaluation(
                env.longValue("PRISM_TRAINER_EVAL_SEED", 1234),
                env.integer("PRISM_TRAINER_EVAL_STEPS", 1),
                env.integer("PRISM_TRAINER_EVAL_ENSEMBLE", 1));
        Guard guard = new Guard(
                env.str("PRISM_TRAINER_GUARD_STYLE", "studio"),
                env.integer("PRISM_TRAINER_GUARD_FRAMES", 6),
                env.integer("PRISM_TRAINER_GUARD_SIZE", 64),
                env.longValue("PRISM_TRAINER_GUARD_SEED", 900_000),
                env.integer("PRISM_TRAINER_GUARD_SAMPLES", 16),
                env.integer("PRISM_TRAINER_REPLAY_FRAMES", 16),
                env.longValue("PRISM_TRAINER_REPLAY_SEED", 800_000));
        Duration ttl = env.duration("PRISM_TRAINER_LEASE_TTL", Duration.ofSeconds(60));
        Duration heartbeat = env.duration("PRISM_TRAINER_HEARTBEAT", Duration.ofSeconds(5));
        if (heartbeat.compareTo(ttl) >= 0) {
            throw new IllegalStateException("PRISM_TRAINER_HEARTBEAT (" + heartbeat + ") must be shorter than PRISM_TRAINER_LEASE_TTL (" + ttl + ")");
        }
        return new TrainerConfig(tasks,
                env.str("PRISM_TRAINER_HOST", "0.0.0.0"),
                env.integer("PRISM_TRAINER_PORT", 8083),
                env.str("PRISM_TOKENS", DEV_TOKENS),
                env.path("PRISM_TRAINER_DIR", dataDir.resolve("trainer")),
                env.path("PRISM_MODELS_DIR", Path.of("models")),
                Map.copyOf(policies),
                env.integer("PRISM_TRAINER_MIN_HOLDOUT", 4),
                env.integer("PRISM_TRAINER_MAX_TRAIN_PAIRS", 2000),
                env.duration("PRISM_TRAINER_POLICY_INTERVAL", Duration.ofSeconds(30)),
                holdout, training, evaluation, Map.copyOf(gates), guard, ttl, heartbeat,
                env.str("PRISM_TRAINER_INSTANCE", defaultInstance()),
                env.str("PRISM_TRAINER_GROUP", "prism-trainer"));
    }

    /** PRISM_TRAINER_LEARNING_RATE, or null when unset (the rate then follows the model kind). */
    private static Double learningRate(Env env) {
        double lr = env.decimal("PRISM_TRAINER_LEARNING_RATE", Double.NaN);
        return Double.isNaN(lr) ? null : lr;
    }

    private static int perTask(Env env, String task, String name, int def) {
        return env.integer("PRISM_TRAINER_" + task + "_" + name, env.integer("PRISM_TRAINER_" + name, def));
    }

    private static String defaultInstance() {
        String host;
        try {
            host = java.net.InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            host = "host";
        }
        return host + "-" + ProcessHandle.current().pid() + "-" + Long.toHexString(Double.doubleToLongBits(Math.random())).substring(0, 6);
    }

    public Path runsDir() {
        return workDir.resolve("runs");
    }

    public Path modelCacheDir() {
        return workDir.resolve("models");
    }
}
