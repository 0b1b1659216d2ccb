package io.prism.trainer.run;

import io.prism.platform.blob.Sha256;
import io.prism.platform.db.Database;
import io.prism.platform.db.TrainingRunEntity;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import io.prism.trainer.TrainerConfig;
import io.prism.trainer.TrainerMetrics;
import io.prism.trainer.db.LeaseRepository;
import io.prism.trainer.db.TrainingPairEntity;
import io.prism.trainer.db.TrainingPairRepository;
import io.prism.trainer.db.TrainingRunRepository;
import io.prism.trainer.dataset.SplitBucket;
import io.prism.trainer.gate.Gate;
import io.prism.trainer.policy.RunPolicy;
import io.prism.trainer.policy.TaskLease;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run of one task, start to finish: take the task's lease, resume an unfinished run or ask the
 * {@link RunPolicy} whether to start one, fix its data snapshot, fine-tune the active checkpoint with the engine
 * (periodic checkpoints under the run's folder, progress and heartbeat in {@code training_runs}), score candidate and
 * active model on the same holdout and guard frames with the same seeds, let the {@link Gate} decide, register the
 * candidate in the registry and promote or reject it. Blocking: call {@link #tick} on a thread of its own.
 */
public final class RunExecutor {
    private static final Logger LOG = LoggerFactory.getLogger(RunExecutor.class);

    /** What one tick did. */
    public enum Outcome { IDLE, LEASE_HELD, BUSY, PROMOTED, REJECTED, FAILED, INTERRUPTED }

    public record TickResult(Outcome outcome, String detail, UUID runId) {}

    private final TrainerConfig config;
    private final TrainingRunRepository runs;
    private final TrainingPairRepository pairs;
    private final LeaseRepository leases;
    private final ModelRegistry registry;
    private final PairLoader loader;
    private final ModelTrainer trainer;
    private final ModelEvaluator evaluator;
    private final List<GuardSet> guards;
    private final List<GuardSet> replay;
    private final TrainerMetrics metrics;
    private final Set<String> busy = ConcurrentHashMap.newKeySet();
    private final ScheduledExecutorService heartbeats;
    /** Stop at the next step and leave run and lease as they are, as a killed process would. */
    private final AtomicBoolean halted = new AtomicBoolean();
    /** Stop at the next step, leave the run resumable, give the lease back. */
    private final AtomicBoolean stopping = new AtomicBoolean();

    public RunExecutor(TrainerConfig config, Database db, ModelRegistry registry, PairLoader loader,
                       ModelTrainer trainer, ModelEvaluator evaluator, List<GuardSet> guards, List<GuardSet> replay,
                       TrainerMetrics metrics) {
        this.config = config;
        this.runs = db.repository(TrainingRunRepository.class);
        this.pairs = db.repository(TrainingPairRepository.class);
        this.leases = db.repository(LeaseRepository.class);
        this.registry = registry;
        this.loader = loader;
        this.trainer = trainer;
        this.evaluator = evaluator;
        this.guards = List.copyOf(guards);
        this.replay = List.copyOf(replay);
        this.metrics = metrics;
        this.heartbeats = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "trainer-heartbeat");
            t.setDaemon(true);
            return t;
        });
    }

    public boolean busy(String task) {
        return busy.contains(task);
    }

    /** Graceful stop: a running run stops at its next step, stays resumable, and its lease is released. */
    public void stop() {
        stopping.set(true);
        heartbeats.shutdownNow();
    }

    /**
     * Stops like a crash: the run stops at its next step but neither the run row nor the lease is touched, so
     * another instance takes over only once the lease has expired — and resumes from the last checkpoint.
     */
    public void halt() {
        halted.set(true);
        heartbeats.shutdownNow();
    }

    private void checkAlive(String what) {
        if (halted.get()) throw new RunInterrupted("halted during " + what);
        if (stopping.get()) throw new RunInterrupted("stopping during " + what);
    }

    /** One policy check for a task, running the whole run when one is due. */
    public TickResult tick(String task) {
        if (halted.get() || stopping.get()) {
            return new TickResult(Outcome.IDLE, "stopping", null);
        }
        if (!busy.add(task)) {
            return new TickResult(Outcome.BUSY, "a run of " + task + " is in progress here", null);
        }
        TaskLease lease = new TaskLease(leases, task, config.instance(), config.leaseTtl());
        boolean release = true;
        try {
            if (!lease.tryAcquire()) {
                return new TickResult(Outcome.LEASE_HELD, "lease " + lease.name() + " is held by "
                        + leases.findHolder(lease.name()).orElse("another instance"), null);
            }
            Optional<TrainingRunEntity> unfinished = runs.findUnfinished(task);
            TrainingRunEntity run;
            if (unfinished.isPresent()) {
                run = unfinished.get();
                runs.claim(run.id(), config.instance(), "resumed by " + config.instance() + " (previous owner " + run.owner()
                        + ", " + run.stepsDone() + "/" + run.stepsTotal() + " steps recorded)");
                LOG.info("event=run-resume task={} run={} previousOwner={} stepsDone={}", task, run.id(), run.owner(), run.stepsDone());
            } else {
                Optional<ModelVersion> active = registry.active(task);
                if (active.isEmpty()) {
                    return new TickResult(Outcome.IDLE, "task " + task + " has no active model to fine-tune", null);
                }
                Instant last = runs.findLastStart(task).orElse(null);
                int threshold = SplitBucket.threshold(config.holdoutFraction());
                RunPolicy.Decision d = RunPolicy.decide(config.policy(task), pairs.countAcceptedSince(task, last), last,
                        pairs.firstAccepted(task).orElse(null), pairs.countHoldout(task, threshold), config.minHoldout(), Instant.now());
                if (!d.start()) {
                    return new TickResult(Outcome.IDLE, d.reason(), null);
                }
                run = runs.create(task, active.get().version(), d.reason(), config.training().steps(), config.instance(),
                        config.runsDir(), threshold, config.maxTrainPairs());
                runs.progress(run.id(), config.instance(), 0, Map.of(), "started by " + config.instance() + ": " + d.reason()
                        + "; base " + task + "-v" + active.get().version());
                LOG.info("event=run-start task={} run={} base={} trigger=\"{}\"", task, run.id(), active.get().version(), d.reason());
            }
            TickResult r = execute(run, lease);
            release = r.outcome() != Outcome.INTERRUPTED || !halted.get();
            return r;
        } catch (RuntimeException e) {
            LOG.error("event=run-tick-failed task={} reason=\"{}\"", task, e.toString(), e);
            return new TickResult(Outcome.FAILED, e.toString(), null);
        } finally {
            if (release && !halted.get()) {
                try {
                    lease.release();
                } catch (RuntimeException e) {
                    LOG.warn("event=lease-release-failed lease={} reason=\"{}\"", lease.name(), e.toString());
                }
            }
            busy.remove(task);
        }
    }

    private TickResult execute(TrainingRunEntity run, TaskLease lease) {
        String task = run.task();
        UUID id = run.id();
        String owner = config.instance();
        AtomicBoolean lost = new AtomicBoolean();
        AtomicInteger lastStep = new AtomicInteger(run.stepsDone());
        ScheduledFuture<?> beat = heartbeats.scheduleAtFixedRate(() -> {
            try {
                if (!lease.renew() || !runs.progress(id, owner, lastStep.get(), Map.of(), null)) {
                    lost.set(true);
                    LOG.warn("event=run-lease-lost task={} run={} owner={}", task, id, owner);
                }
            } catch (RuntimeException e) {
                LOG.warn("event=run-heartbeat-failed task={} run={} reason=\"{}\"", task, id, e.toString());
            }
        }, config.heartbeat().toMillis(), config.heartbeat().toMillis(), TimeUnit.MILLISECONDS);
        metrics.runActive(task, true);
        try {
            ModelVersion base = registry.find(task, run.baseVersion())
                    .orElseThrow(() -> new IllegalStateException("base version " + task + "-v" + run.baseVersion() + " is not in the registry"));
            Path baseDir = registry.materialize(base, config.modelCacheDir());
            List<TrainingPairEntity> trainPairs = pairs.findOfRun(id, "train");
            List<TrainingPairEntity> holdoutPairs = pairs.findOfRun(id, "holdout");
            List<LabeledFrame> train = new ArrayList<>(loader.load(task, trainPairs));
            int replayed = 0;
            for (GuardSet r : replay) {
                List<LabeledFrame> frames = r.frames(task);
                train.addAll(frames);
                replayed += frames.size();
            }
            List<LabeledFrame> holdout = loader.load(task, holdoutPairs);
            checkAlive("data loading");

            int replayedFrames = replayed;
            Path runDir = Path.of(run.checkpointDir());
            Files.createDirectories(runDir);
            long[] lastWrite = {0};
            ModelTrainer.Progress progress = new ModelTrainer.Progress() {
                @Override
                public void started(int fromStep, int totalSteps) {
                    String line = fromStep > 0 ? "resumed from checkpoint at step " + fromStep + " of " + totalSteps
                            : "training from " + base.label() + " for " + totalSteps + " steps (effective batch "
                            + config.training().effectiveBatch() + ") on " + trainPairs.size() + " pairs + " + replayedFrames + " replay frames";
                    runs.progress(id, owner, fromStep, Map.of("resumedFromStep", fromStep), line);
                    LOG.info("event=run-training task={} run={} {}", task, id, line);
                }

                @Override
                public void step(int step, int totalSteps, double loss, double stepsPerSecond) {
                    lastStep.set(step);
                    metrics.progress(task, step, stepsPerSecond);
                    long now = System.currentTimeMillis();
                    if (step == totalSteps || now - lastWrite[0] >= config.heartbeat().toMillis()) {
                        lastWrite[0] = now;
                        Map<String, Object> m = new LinkedHashMap<>();
                        m.put("loss", loss);
                        m.put("stepsPerSecond", stepsPerSecond);
                        if (!runs.progress(id, owner, step, Map.of("training", m), null)) lost.set(true);
                    }
                    if (lost.get()) throw new RunInterrupted("lease of " + task + " lost");
                    checkAlive("step " + step);
                }

                @Override
                public void checkpoint(int step, Path dir) {
                    lastStep.set(step);
                    runs.progress(id, owner, step, Map.of("lastCheckpointStep", step), "checkpoint at step " + step + " in " + dir);
                }
            };
            ModelTrainer.Result trained = trainer.train(new ModelTrainer.Job(task, id.toString(), baseDir, runDir, config.training()), train, progress);
            checkAlive("gate");

            // The gate: candidate and the model active now, on the same frames with the same seeds.
            ModelVersion active = registry.active(task).orElse(base);
            Path activeDir = active.version() == base.version() ? baseDir : registry.materialize(active, config.modelCacheDir());
            Map<String, Map<String, Double>> candEval = new LinkedHashMap<>();
            Map<String, Map<String, Double>> activeEval = new LinkedHashMap<>();
            candEval.put(Gate.HOLDOUT, evaluator.evaluate(task, trained.checkpoint(), holdout, config.evaluation()));
            activeEval.put(Gate.HOLDOUT, evaluator.evaluate(task, activeDir, holdout, config.evaluation()));
            for (GuardSet g : guards) {
                List<LabeledFrame> frames = g.frames(task);
                if (frames.isEmpty()) continue;
                candEval.put(g.name(), evaluator.evaluate(task, trained.checkpoint(), frames, config.evaluation()));
                activeEval.put(g.name(), evaluator.evaluate(task, activeDir, frames, config.evaluation()));
                checkAlive("guard " + g.name());
            }
            Gate.Result verdict = Gate.judge(config.gate(task), candEval, activeEval);
            if (lost.get() || !lease.renew()) throw new RunInterrupted("lease of " + task + " lost before registration");

            Map<String, Double> flat = new TreeMap<>();
            candEval.forEach((set, m) -> m.forEach((k, v) -> flat.put(set + "." + k, v)));
            activeEval.forEach((set, m) -> m.forEach((k, v) -> flat.put("active_v" + active.version() + "." + set + "." + k, v)));
            flat.put("gate.passed", verdict.passed() ? 1.0 : 0.0);
            trained.metrics().forEach((k, v) -> flat.put("train." + k, v));
            ModelVersion candidate = registerOnce(run, trained.checkpoint(), flat, snapshot(id, trainPairs, holdoutPairs, replayed, trained),
                    "fine-tune of " + base.label() + " by run " + id + ": gate " + verdict.summary());
            runs.setCandidate(id, candidate.version());

            Map<String, Object> runMetrics = new LinkedHashMap<>();
            runMetrics.put("evaluation", Map.of("candidate", candEval, "active", activeEval, "activeVersion", active.version(),
                    "candidateVersion", candidate.version()));
            runMetrics.put("gate", verdict.toJson());
            runMetrics.put("data", Map.of("trainPairs", trainPairs.size(), "holdoutPairs", holdoutPairs.size(), "replayFrames", replayed));
            runMetrics.put("resumedFromStep", trained.resumedFromStep());
            metrics.gate(task, verdict.passed(), verdict.mainDelta());
            if (verdict.passed()) {
                registry.promote(task, candidate.version(), "gate passed for run " + id + ": " + verdict.checks().get(0));
                runs.finish(id, "promoted", runMetrics, "promoted " + candidate.label() + ": " + verdict.summary());
                metrics.runFinished(task, "promoted");
                LOG.info("event=run-promoted task={} run={} version={} gate=\"{}\"", task, id, candidate.version(), verdict.summary());
                return new TickResult(Outcome.PROMOTED, verdict.summary(), id);
            }
            registry.reject(task, candidate.version(), verdict.summary());
            runs.finish(id, "rejected", runMetrics, "rejected " + candidate.label() + ": " + verdict.summary());
            metrics.runFinished(task, "rejected");
            LOG.info("event=run-rejected task={} run={} version={} gate=\"{}\"", task, id, candidate.version(), verdict.summary());
            return new TickResult(Outcome.REJECTED, verdict.summary(), id);
        } catch (RunInterrupted e) {
            LOG.warn("event=run-interrupted task={} run={} reason=\"{}\"", task, id, e.getMessage());
            return new TickResult(Outcome.INTERRUPTED, e.getMessage(), id);
        } catch (Exception e) {
            if (halted.get() || stopping.get() || lost.get()) {
                LOG.warn("event=run-interrupted task={} run={} reason=\"{}\"", task, id, e.toString());
                return new TickResult(Outcome.INTERRUPTED, e.toString(), id);
            }
            LOG.error("event=run-failed task={} run={} reason=\"{}\"", task, id, e.toString(), e);
            runs.finish(id, "failed", Map.of("error", e.toString()), "failed: " + e);
            metrics.runFinished(task, "failed");
            return new TickResult(Outcome.FAILED, e.toString(), id);
        } finally {
            beat.cancel(false);
            metrics.runActive(task, false);
        }
    }

    /** A resumed run that had registered its candidate before it was stopped finds it instead of adding another. */
    private ModelVersion registerOnce(TrainingRunEntity run, Path checkpoint, Map<String, Double> metrics,
                                      Map<String, Object> snapshot, String notes) throws java.io.IOException {
        Optional<ModelVersion> existing = registry.list(run.task()).stream()
                .filter(v -> run.id().toString().equals(String.valueOf(v.dataSnapshot().get("runId"))))
                .findFirst();
        if (existing.isPresent()) {
            return existing.get();
        }
        return registry.register(run.task(), checkpoint, run.baseVersion(), metrics, snapshot, notes);
    }

    /** What the candidate learned from: enough to find every pair again and to compare data across versions. */
    private Map<String, Object> snapshot(UUID runId, List<TrainingPairEntity> train, List<TrainingPairEntity> holdout,
                                         int replayed, ModelTrainer.Result trained) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("runId", runId.toString());
        m.put("trainPairs", train.size());
        m.put("holdoutPairs", holdout.size());
        m.put("trainPairIdsSha256", digest(train));
        m.put("holdoutPairIdsSha256", digest(holdout));
        m.put("trainByShowStyle", train.stream().collect(Collectors.groupingBy(
                p -> p.show() + "/" + (p.style() == null ? "-" : p.style()), TreeMap::new, Collectors.counting())));
        m.put("replayFrames", replayed);
        m.put("replaySets", replay.stream().map(GuardSet::name).toList());
        m.put("steps", trained.stepsDone());
        return m;
    }

    private static String digest(List<TrainingPairEntity> pairs) {
        List<String> ids = new ArrayList<>(pairs.stream().map(p -> p.id().toString()).toList());
        ids.sort(Comparator.naturalOrder());
        return Sha256.hex(Sha256.newDigest().digest(String.join("\n", ids).getBytes(StandardCharsets.UTF_8)));
    }
}
