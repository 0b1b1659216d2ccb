package io.prism.trainer.policy;

import io.prism.trainer.TrainerConfig.TaskPolicy;
import java.time.Duration;
import java.time.Instant;

/**
 * When a task's fine-tune run starts: when {@code minNewPairs} accepted pairs arrived since its last run began, or
 * when {@code maxInterval} passed since then (since the first pair if it never ran) and at least
 * {@code minPairsForTimedRun} new pairs are there — retraining on unchanged data would only repeat the last run.
 * Never without enough holdout pairs for the gate to judge the candidate.
 */
public final class RunPolicy {

    /** What the policy decided, with the reason (logged, and stored as the run's trigger). */
    public record Decision(boolean start, String reason) {}

    private RunPolicy() {}

    public static Decision decide(TaskPolicy p, long newPairs, Instant lastRunStart, Instant firstPair, long holdoutPairs,
                                  int minHoldout, Instant now) {
        if (holdoutPairs < minHoldout) {
            return new Decision(false, "holdout has " + holdoutPairs + " pairs, the gate needs " + minHoldout);
        }
        if (newPairs >= p.minNewPairs()) {
            return new Decision(true, newPairs + " new pairs (threshold " + p.minNewPairs() + ")");
        }
        Instant since = lastRunStart != null ? lastRunStart : firstPair;
        if (since != null && newPairs >= p.minPairsForTimedRun()) {
            Duration waited = Duration.between(since, now);
            if (waited.compareTo(p.maxInterval()) >= 0) {
                return new Decision(true, "interval " + p.maxInterval() + " passed (" + waited.toSeconds() + " s) with " + newPairs + " new pairs");
            }
        }
        return new Decision(false, newPairs + " new pairs of " + p.minNewPairs() + " needed");
    }
}
