package io.prism.platform.contracts;

import java.time.Instant;
import java.util.Map;
import java.util.UUID;

/**
 * A model version became the active one for its task. Published on the compacted {@code prism.models.v1},
 * keyed by task, so the latest record per task is the current state a new worker can read at start.
 *
 * @param artifact        the checkpoint archive (zip of the checkpoint folder) in the blob store
 * @param previousVersion the version that was active before, or null
 */
public record ModelPromoted(int schemaVersion, UUID messageId, Instant time,
                            String task, int version, BlobRef artifact, Integer previousVersion,
                            Map<String, Double> metrics, String reason)
        implements PrismEvent {
    public static final int SCHEMA_VERSION = 1;

    public ModelPromoted {
        Require.version(schemaVersion);
        Require.present(messageId, "messageId", "ModelPromoted");
        Require.present(time, "time", "ModelPromoted");
        Require.text(task, "task", "ModelPromoted");
        Require.present(artifact, "artifact", "ModelPromoted");
        metrics = metrics == null ? Map.of() : Map.copyOf(metrics);
    }

    public static ModelPromoted of(String task, int version, BlobRef artifact, Integer previousVersion,
                                   Map<String, Double> metrics, String reason) {
        return new ModelPromoted(SCHEMA_VERSION, UUID.randomUUID(), Instant.now(), task, version, artifact,
                previousVersion, metrics, reason);
    }

    @Override
    public String key() {
        return task;
    }
}
