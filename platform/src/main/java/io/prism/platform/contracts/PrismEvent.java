package io.prism.platform.contracts;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;
import java.util.UUID;

/**
 * Every Prism message: a schema version, a unique message id and the time it was made, plus the
 * event's own fields. The JSON carries a {@code type} discriminator so that topics holding several
 * kinds of event (results, models) can be read with one codec.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.PROPERTY, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = FrameSubmitted.class, name = "FrameSubmitted"),
    @JsonSubTypes.Type(value = FrameProcessed.class, name = "FrameProcessed"),
    @JsonSubTypes.Type(value = FrameFailed.class, name = "FrameFailed"),
    @JsonSubTypes.Type(value = GroundTruthPairSubmitted.class, name = "GroundTruthPairSubmitted"),
    @JsonSubTypes.Type(value = ModelPromoted.class, name = "ModelPromoted"),
    @JsonSubTypes.Type(value = ModelRolledBack.class, name = "ModelRolledBack")
})
public sealed interface PrismEvent
        permits FrameSubmitted, FrameProcessed, FrameFailed, GroundTruthPairSubmitted, ModelPromoted, ModelRolledBack {

    /** Version of this event's schema; readers accept any version they know the required fields of. */
    int schemaVersion();

    UUID messageId();

    Instant time();

    /** The Kafka record key: events with the same key stay ordered. */
    @JsonIgnore
    String key();
}
