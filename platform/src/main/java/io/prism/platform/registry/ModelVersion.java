package io.prism.platform.registry;

import io.prism.platform.contracts.BlobRef;
import java.time.Instant;
import java.util.Map;

/** A registered model checkpoint, as the registry hands it out. */
public record ModelVersion(String task, int version, BlobRef artifact, Integer parentVersion, String status,
                           Map<String, Double> metrics, Map<String, Object> dataSnapshot, String notes,
                           Instant createdAt, Instant promotedAt) {
    public static final String CANDIDATE = "candidate";
    public static final String ACTIVE = "active";
    public static final String RETIRED = "retired";
    public static final String REJECTED = "rejected";

    public String label() {
        return task + "-v" + version;
    }
}
