package io.prism.platform.registry;

import com.fasterxml.jackson.core.type.TypeReference;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.ModelPromoted;
import io.prism.platform.contracts.ModelRolledBack;
import io.prism.platform.db.Database;
import io.prism.platform.db.ModelVersionEntity;
import io.prism.platform.db.ModelVersionRepository;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.outbox.Outbox;
import io.prism.platform.topics.Topics;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The model registry: checkpoints as zip blobs in the blob store, their versions and status in PostgreSQL.
 * Promotion and rollback change the active version and write {@link ModelPromoted} / {@link ModelRolledBack} to the
 * outbox in the same transaction, so the event on {@code prism.models.v1} can never disagree with the database.
 * The database's partial unique index guarantees at most one active version per task.
 */
public final class ModelRegistry {
    private static final Logger LOG = LoggerFactory.getLogger(ModelRegistry.class);
    /** What a version's artifact is: a {@link CheckpointManifest} (versions registered before it: a zip, still read). */
    public static final String MEDIA_TYPE = CheckpointManifest.MEDIA_TYPE;
    private final Database db;
    private final BlobStore blobs;
    private final ModelVersionRepository versions;
    private final Outbox outbox;

    public ModelRegistry(Database db, BlobStore blobs) {
        this.db = db;
        this.blobs = blobs;
        this.versions = db.repository(ModelVersionRepository.class);
        this.outbox = new Outbox(db.repository(OutboxRepository.class));
    }

    /** Stores a checkpoint folder as the next version of its task, a candidate. */
    public ModelVersion register(String task, Path checkpointDir, Integer parentVersion, Map<String, Double> metrics,
                                 Map<String, Object> dataSnapshot, String notes) throws IOException {
        // every file its own blob (unchanged components of a fine-tune are stored once), then the manifest
        return record(task, blobs.put(CheckpointManifest.store(checkpointDir, blobs), MEDIA_TYPE), parentVersion, metrics,
                dataSnapshot, notes);
    }

    /** Stores a checkpoint given as relative path → file (e.g. the parts of a diffusers folder an import keeps). */
    public ModelVersion register(String task, Map<String, Path> files, Integer parentVersion, Map<String, Double> metrics,
                                 Map<String, Object> dataSnapshot, String notes) throws IOException {
        return record(task, blobs.put(CheckpointManifest.store(files, blobs), MEDIA_TYPE), parentVersion, metrics, dataSnapshot, notes);
    }

    private ModelVersion record(String task, BlobRef artifact, Integer parentVersion, Map<String, Double> metrics,
                                Map<String, Object> dataSnapshot, String notes) {
        return db.inTransaction(c -> {
            int next = versions.maxVersion(task) + 1;
            ModelVersionEntity row = versions.save(new ModelVersionEntity(null, task, next, artifact.uri().toString(),
                    artifact.sha256(), artifact.size(), parentVersion, ModelVersion.CANDIDATE, json(metrics),
                    json(dataSnapshot), notes, Instant.now(), null));
            LOG.info("event=model-registered task={} version={} sha256={} parent={}", task, next, artifact.sha256(), parentVersion);
            return toVersion(row);
        });
    }

    /**
     * On first start: registers {@code checkpointDir} as version 1 of the task and activates it, unless the task has
     * versions already. Safe when several services start at once (the loser sees the winner's rows).
     */
    public ModelVersion bootstrap(String task, Path checkpointDir) throws IOException {
        Optional<ModelVersion> active = active(task);
        if (active.isPresent()) {
            return active.get();
        }
        try {
            if (versions.maxVersion(task) == 0) {
                ModelVersion v1 = register(task, checkpointDir, null, Map.of(), Map.of("source", checkpointDir.toString()), "shipped default");
                return promote(task, v1.version(), "shipped default registered on first start");
            }
        } catch (RuntimeException e) {
            LOG.info("event=model-bootstrap-raced task={} reason={}", task, e.getMessage());
        }
        return active(task).orElseThrow(() -> new IllegalStateException("task " + task + " has versions but none is active"));
    }

    public Optional<ModelVersion> active(String task) {
        return versions.findByTaskAndStatus(task, ModelVersion.ACTIVE).map(ModelRegistry::toVersion);
    }

    public Optional<ModelVersion> find(String task, int version) {
        return versions.findByTaskAndVersion(task, version).map(ModelRegistry::toVersion);
    }

    public List<ModelVersion> list(String task) {
        return versions.findByTaskOrderByVersionDesc(task).stream().map(ModelRegistry::toVersion).toList();
    }

    /** Makes {@code version} the active one (the previous active becomes retired) and announces it. */
    public ModelVersion promote(String task, int version, String reason) {
        return db.inTransaction(c -> {
            ModelVersionEntity target = versions.findByTaskAndVersion(task, version)
                    .orElseThrow(() -> new IllegalArgumentException("no model " + task + " v" + version));
            if (ModelVersion.ACTIVE.equals(target.status())) {
                return toVersion(target);
            }
            Optional<ModelVersionEntity> current = versions.findByTaskAndStatus(task, ModelVersion.ACTIVE);
            current.ifPresent(cur -> versions.updateStatus(task, cur.version(), ModelVersion.RETIRED));
            versions.updateStatus(task, version, ModelVersion.ACTIVE);
            ModelVersion promoted = toVersion(versions.findByTaskAndVersion(task, version).orElseThrow());
            outbox.enqueue(Topics.MODELS, ModelPromoted.of(task, version, promoted.artifact(),
                    current.map(ModelVersionEntity::version).orElse(null), promoted.metrics(), reason));
            LOG.info("event=model-promoted task={} version={} previous={} reason=\"{}\"", task, version,
                    current.map(ModelVersionEntity::version).orElse(null), reason);
            return promoted;
        });
    }

    /**
     * Takes the active version out of service (marked rejected) and re-activates the most recently promoted earlier
     * version; announces {@link ModelRolledBack}. Returns the version active again.
     */
    public ModelVersion rollback(String task, String reason) {
        return db.inTransaction(c -> {
            ModelVersionEntity current = versions.findByTaskAndStatus(task, ModelVersion.ACTIVE)
                    .orElseThrow(() -> new IllegalStateException("task " + task + " has no active model to roll back"));
            ModelVersionEntity previous = versions.findByTaskOrderByVersionDesc(task).stream()
                    .filter(v -> ModelVersion.RETIRED.equals(v.status()) && v.promotedAt() != null && v.version() != current.version())
                    .max(Comparator.comparing(ModelVersionEntity::promotedAt))
                    .orElseThrow(() -> new IllegalStateException("task " + task + " has no earlier version to roll back to"));
            versions.updateStatus(task, current.version(), ModelVersion.REJECTED);
            versions.updateStatus(task, previous.version(), ModelVersion.ACTIVE);
            ModelVersion restored = toVersion(versions.findByTaskAndVersion(task, previous.version()).orElseThrow());
            outbox.enqueue(Topics.MODELS, ModelRolledBack.of(task, current.version(), previous.version(), restored.artifact(), reason));
            LOG.info("event=model-rolled-back task={} from={} to={} reason=\"{}\"", task, current.version(), previous.version(), reason);
            return restored;
        });
    }

    /** Marks a candidate rejected (the gate said no); it is kept for the record. */
    public void reject(String task, int version, String reason) {
        versions.updateStatus(task, version, ModelVersion.REJECTED);
        LOG.info("event=model-rejected task={} version={} reason=\"{}\"", task, version, reason);
    }

    /**
     * The checkpoint folder of a version, extracted (once) under {@code cacheDir} after the archive's digest has been
     * verified. Corrupted archives fail with {@link io.prism.platform.blob.BlobCorruptedException}.
     */
    public Path materialize(ModelVersion v, Path cacheDir) throws IOException {
        return materialize(v.task(), v.version(), v.artifact(), cacheDir);
    }

    public Path materialize(String task, int version, BlobRef artifact, Path cacheDir) throws IOException {
        Path target = cacheDir.resolve(task + "-v" + version + "-" + artifact.sha256().substring(0, 12));
        if (Files.isDirectory(target)) {
            return target;
        }
        byte[] bytes = blobs.read(artifact); // verified: throws if the stored manifest or archive is damaged
        try (InputStream in = new java.io.ByteArrayInputStream(bytes)) {
            return CheckpointManifest.isManifest(bytes) ? CheckpointManifest.materialize(bytes, blobs, target)
                    : CheckpointArchive.unzip(in, target);   // versions registered as zip archives
        } catch (java.nio.file.FileAlreadyExistsException e) {
            return target; // extracted concurrently by another thread
        }
    }

    static ModelVersion toVersion(ModelVersionEntity e) {
        BlobRef ref = new BlobRef(URI.create(e.artifactUri()), e.artifactSha256().trim(), e.artifactSize(), MEDIA_TYPE, null, null, null);
        return new ModelVersion(e.task(), e.version(), ref, e.parentVersion(), e.status(),
                read(e.metrics(), new TypeReference<Map<String, Double>>() {}),
                read(e.dataSnapshot(), new TypeReference<Map<String, Object>>() {}), e.notes(), e.createdAt(), e.promotedAt());
    }

    private static String json(Object o) {
        try {
            return EventCodec.mapper().writeValueAsString(o == null ? Map.of() : o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return EventCodec.mapper().readValue(json == null ? "{}" : json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
