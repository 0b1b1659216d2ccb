package io.prism.trainer;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The trainer's Prometheus meters: runs by outcome, training speed, the last gate result, pairs by status.
 *
 * <ul>
 * <li>{@code prism_trainer_pairs_total{status=accepted|rejected|malformed}}</li>
 * <li>{@code prism_trainer_runs_total{task, outcome=promoted|rejected|failed}}</li>
 * <li>{@code prism_trainer_run_active{task}} 1 while this instance trains the task</li>
 * <li>{@code prism_trainer_steps_done{task}} and {@code prism_trainer_steps_per_second{task}} of the current run</li>
 * <li>{@code prism_trainer_last_gate_passed{task}} 1 passed, 0 failed, -1 none yet</li>
 * <li>{@code prism_trainer_last_gate_main_delta{task}} candidate minus active on the main metric</li>
 * </ul>
 */
public final class TrainerMetrics {
    private final MeterRegistry registry;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter malformed;
    private final Map<String, TaskGauges> tasks = new ConcurrentHashMap<>();

    private static final class TaskGauges {
        final AtomicLong active = new AtomicLong();
        final AtomicLong steps = new AtomicLong();
        final AtomicLong stepsPerSecondMilli = new AtomicLong();
        final AtomicLong gate = new AtomicLong(-1);
        final AtomicLong gateDeltaMilli = new AtomicLong();
    }

    public TrainerMetrics(MeterRegistry registry, List<String> taskNames) {
        this.registry = registry;
        accepted = Counter.builder("prism_trainer_pairs_total").tag("status", "accepted").register(registry);
        rejected = Counter.builder("prism_trainer_pairs_total").tag("status", "rejected").register(registry);
        malformed = Counter.builder("prism_trainer_pairs_total").tag("status", "malformed").register(registry);
        for (String t : taskNames) {
            TaskGauges g = new TaskGauges();
            tasks.put(t, g);
            Gauge.builder("prism_trainer_run_active", g.active, AtomicLong::get).tag("task", t).register(registry);
            Gauge.builder("prism_trainer_steps_done", g.steps, AtomicLong::get).tag("task", t).register(registry);
            Gauge.builder("prism_trainer_steps_per_second", g.stepsPerSecondMilli, v -> v.get() / 1000.0).tag("task", t).register(registry);
            Gauge.builder("prism_trainer_last_gate_passed", g.gate, AtomicLong::get).tag("task", t).register(registry);
            Gauge.builder("prism_trainer_last_gate_main_delta", g.gateDeltaMilli, v -> v.get() / 1000.0).tag("task", t).register(registry);
            for (String outcome : List.of("promoted", "rejected", "failed")) {
                Counter.builder("prism_trainer_runs_total").tag("task", t).tag("outcome", outcome).register(registry);
            }
        }
    }

    private TaskGauges task(String t) {
        return tasks.computeIfAbsent(t, k -> new TaskGauges());
    }

    public void pairStored(boolean wasAccepted) {
        (wasAccepted ? accepted : rejected).increment();
    }

    public void pairMalformed() {
        malformed.increment();
    }

    public void runActive(String task, boolean active) {
        task(task).active.set(active ? 1 : 0);
    }

    public void progress(String task, int step, double stepsPerSecond) {
        task(task).steps.set(step);
        task(task).stepsPerSecondMilli.set(Math.round(stepsPerSecond * 1000));
    }

    public void runFinished(String task, String outcome) {
        Counter.builder("prism_trainer_runs_total").tag("task", task).tag("outcome", outcome).register(registry).increment();
    }

    public void gate(String task, boolean passed, double mainDelta) {
        task(task).gate.set(passed ? 1 : 0);
        task(task).gateDeltaMilli.set(Math.round(mainDelta * 1000));
    }
}
