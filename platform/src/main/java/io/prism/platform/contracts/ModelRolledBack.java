package io.prism.platform.contracts;

import java.time.Instant;
import java.util.UUID;

/**
 * The active version of a task was rolled back to an earlier one. Published on {@code prism.models.v1}, keyed by task.
 *
 * @param fromVersion the version taken out of service
 * @param toVersion   the version active again
 * @param artifact    the checkpoint archive of {@code toVersion}
 */
public record ModelRolledBack(int schemaVersion, UUID messageId, Instant time,
                              String task, int fromVersion, int toVersion, BlobRef artifact, String reason)
        implements PrismEvent {
    public static final int SCHEMA_VERSION = 1;

    public ModelRolledBack {
        Require.version(schemaVersion);
        Require.present(messageId, "messageId", "ModelRolledBack");
        Require.present(time, "time", "ModelRolledBack");
        Require.text(task, "task", "ModelRolledBack");
        Require.present(artifact, "artifact", "ModelRolledBack");
    }

    public static ModelRolledBack of(String task, int fromVersion, int toVersion, BlobRef artifact, String reason) {
        return new ModelRolledBack(SCHEMA_VERSION, UUID.randomUUID(), Instant.now(), task, fromVersion, toVersion,
                artifact, reason);
    }

    @Override
    public String key() {
        return task;
    }
}
