package io.prism.worker.model;

import io.prism.platform.contracts.BlobRef;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;
import io.prism.worker.TaskOptions;
import io.prism.worker.WorkerMetrics;
import io.prism.worker.inference.InferenceBackend;
import io.prism.worker.inference.LoadedModel;
import io.prism.worker.inference.TaskOutput;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The models this worker serves, one active version per task, as Triton manages model versions: a new version is
 * loaded in the background (archive digest and weight checksums verified, then a warm-up inference), staged, and
 * swapped in by the inference thread between two batches, so no frame is dropped or half-processed by two versions.
 * If anything fails the old version keeps serving. Frames that ask for a specific version (reprocessing) get it
 * from a small cache of pinned versions.
 *
 * <p>Threading: {@link #stage} runs loads on one background thread; {@link #model} and {@link #applyStaged} are
 * called only by the inference thread, which therefore is the only one that ever closes a model.
 */
public final class ModelManager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ModelManager.class);
    private static final int PINNED_CAPACITY = 2;

    private final ModelRegistry registry;
    private final InferenceBackend backend;
    private final Path cacheDir;
    private final Map<String, TaskOptions> options;
    private final Set<String> tasks;
    private final WorkerMetrics metrics;
    private final Map<String, LoadedModel> active = new ConcurrentHashMap<>();
    private final Map<String, Instant> swappedAt = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<LoadedModel> staged = new ConcurrentLinkedQueue<>();
    private final Map<String, Integer> latestWanted = new ConcurrentHashMap<>();
    private final Map<String, InputEncoding> pinnedEncodings = new ConcurrentHashMap<>();
    private final LinkedHashMap<String, LoadedModel> pinned = new LinkedHashMap<>(4, 0.75f, true);
    private final ExecutorService loader = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "prism-model-loader");
        t.setDaemon(true);
        return t;
    });

    public ModelManager(ModelRegistry registry, InferenceBackend backend, Path cacheDir, Map<String, TaskOptions> options,
                        Set<String> tasks, WorkerMetrics metrics) {
        this.registry = registry;
        this.backend = backend;
        this.cacheDir = cacheDir;
        this.options = options;
        this.tasks = Set.copyOf(tasks);
        this.metrics = metrics;
    }

    /**
     * At start: for each task, registers the shipped default ({@code modelsDir/<task>-v1}) as version 1 if the
     * registry has none, then loads and warms up the active version. Fails start-up if any task has no usable model.
     */
    public void loadActive(Path modelsDir) throws Exception {
        backend.prepareThread();
        for (String task : tasks) {
            ModelVersion v = registry.active(task).isPresent()
                    ? registry.active(task).get()
                    : bootstrap(task, modelsDir.resolve(task + "-v1"));
            LoadedModel m = loadChecked(task, v.version(), v.artifact());
            active.put(task, m);
            swappedAt.put(task, Instant.now());
            metrics.activeVersion(task, v.version());
            metrics.modelLoad(task, "loaded");
            LOG.info("event=model-active task={} version={} device={}", task, v.version(), backend.device());
        }
    }

    private ModelVersion bootstrap(String task, Path dir) throws Exception {
        if (!Files.isDirectory(dir)) {
            throw new IllegalStateException("the registry has no active " + task + " model and the shipped default "
                    + dir.toAbsolutePath() + " does not exist (set PRISM_MODELS_DIR)");
        }
        return registry.bootstrap(task, dir);
    }

    /**
     * Loads a version announced on prism.models.v1 in the background and stages it for the swap. Completes with
     * true when staged, false when refused or superseded (the old version keeps serving).
     */
    public CompletableFuture<Boolean> stage(String task, int version, BlobRef artifact, String why) {
        if (!tasks.contains(task)) {
            return CompletableFuture.completedFuture(false);
        }
        latestWanted.put(task, version);
        return CompletableFuture.supplyAsync(() -> {
            if (latestWanted.getOrDefault(task, version) != version) {
                LOG.info("event=model-load-skipped task={} version={} reason=superseded", task, version);
                return false;
            }
            backend.prepareThread();
            LoadedModel current = active.get(task);
            if (current != null && current.version() == version) {
                return false; // already serving it (e.g. the announcement of what we loaded at start)
            }
            try {
                LoadedModel m = loadChecked(task, version, artifact);
                staged.add(m);
                metrics.modelLoad(task, "staged");
                LOG.info("event=model-staged task={} version={} cause=\"{}\"", task, version, why);
                return true;
            } catch (Exception | LinkageError e) {
                metrics.modelLoad(task, "refused");
                metrics.failure("model-refused");
                LOG.error("event=model-refused task={} version={} keeping={} reason=\"{}\"", task, version,
                        current == null ? null : current.version(), e.getMessage());
                return false;
            }
        }, loader);
    }

    /** Materializes (digest-verified), loads (weight checksums verified) and warms up a version. */
    private LoadedModel loadChecked(String task, int version, BlobRef artifact) throws Exception {
        Path dir = registry.materialize(task, version, artifact, cacheDir);
        LoadedModel m = backend.load(task, version, dir);
        try {
            warmUp(m);
            return m;
        } catch (Exception | Error e) {
            m.close();
            throw e;
        }
    }

    /** One small inference with the task's options: the model runs and gives finite output of the right size. */
    private void warmUp(LoadedModel m) {
        float[] gray = new float[32 * 32];
        Arrays.fill(gray, 0.5f);
        FloatImage probe = new FloatImage(32, 32, List.of("R", "G", "B"), new float[][] {gray, gray.clone(), gray.clone()});
        TaskOutput out = m.predict(List.of(probe), options.getOrDefault(m.task(), TaskOptions.MODEL_DEFAULTS)).get(0);
        if (out.result().width() != 32 || out.result().height() != 32) {
            throw new IllegalStateException("warm-up of " + m.task() + " v" + m.version() + " returned "
                    + out.result().width() + "x" + out.result().height() + " for a 32x32 input");
        }
        for (float[] p : out.result().planes()) {
            for (float v : p) {
                if (!Float.isFinite(v)) {
                    throw new IllegalStateException("warm-up of " + m.task() + " v" + m.version() + " produced non-finite values");
                }
            }
        }
    }

    /** Inference thread, between batches: swaps in staged versions and closes the ones they replace. */
    public void applyStaged() {
        LoadedModel m;
        while ((m = staged.poll()) != null) {
            LoadedModel old = active.put(m.task(), m);
            swappedAt.put(m.task(), Instant.now());
            metrics.activeVersion(m.task(), m.version());
            LOG.info("event=model-swapped task={} from={} to={}", m.task(), old == null ? null : old.version(), m.version());
            if (old != null && old != m) {
                old.close();
            }
        }
    }

    /** Inference thread: the model for a request (the active one, or the requested version). */
    public LoadedModel model(String task, Integer requestedVersion) throws ModelUnavailableException {
        LoadedModel a = active.get(task);
        if (requestedVersion == null || (a != null && a.version() == requestedVersion)) {
            if (a == null) throw new ModelUnavailableException("no " + task + " model is loaded (tasks served: " + tasks + ")");
            return a;
        }
        String key = task + "@" + requestedVersion;
        LoadedModel p = pinned.get(key);
        if (p != null) return p;
        ModelVersion v = registry.find(task, requestedVersion)
                .orElseThrow(() -> new ModelUnavailableException("the registry has no " + task + " v" + requestedVersion));
        try {
            Path dir = registry.materialize(v, cacheDir);
            p = backend.load(task, requestedVersion, dir);
        } catch (Exception e) {
            throw new ModelUnavailableException("cannot load " + task + " v" + requestedVersion + ": " + e.getMessage());
        }
        pinned.put(key, p);
        pinnedEncodings.put(key, p.inputEncoding());
        if (pinned.size() > PINNED_CAPACITY) {
            var eldest = pinned.entrySet().iterator().next();
            pinned.remove(eldest.getKey());
            pinnedEncodings.remove(eldest.getKey());
            eldest.getValue().close();
        }
        return p;
    }

    /**
     * Any thread: the input encoding of the model that would take a request now — the active version's, or a
     * requested version's when it is loaded; empty when that model is not loaded (yet). A read for the prepare stage,
     * which encodes frames ahead of inference; the inference thread still feeds each batch the encoding of the model
     * it actually runs.
     */
    public Optional<InputEncoding> inputEncoding(String task, Integer requestedVersion) {
        LoadedModel a = active.get(task);
        if (requestedVersion == null || (a != null && a.version() == requestedVersion)) {
            return Optional.ofNullable(a).map(LoadedModel::inputEncoding);
        }
        return Optional.ofNullable(pinnedEncodings.get(task + "@" + requestedVersion));
    }

    /** Ready when every configured task has a model loaded. */
    public boolean ready() {
        return tasks.stream().allMatch(active::containsKey);
    }

    public Set<String> tasks() {
        return tasks;
    }

    /** The version serving a task now, or 0. */
    public int activeVersion(String task) {
        LoadedModel m = active.get(task);
        return m == null ? 0 : m.version();
    }

    public Instant swappedAt(String task) {
        return swappedAt.get(task);
    }

    public InferenceBackend backend() {
        return backend;
    }

    @Override
    public void close() {
        loader.shutdownNow();
        try {
            loader.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        active.values().forEach(LoadedModel::close);
        active.clear();
        staged.forEach(LoadedModel::close);
        pinned.values().forEach(LoadedModel::close);
        pinned.clear();
        pinnedEncodings.clear();
    }

    /** The model a request needs cannot be had; the frame fails permanently with reason "model-unavailable". */
    public static final class ModelUnavailableException extends Exception {
        public ModelUnavailableException(String message) {
            super(message);
        }
    }
}
