package io.prism.platform.topics;

import java.util.Map;

/** A Kafka topic as Prism declares it: name, partitions, replication factor and topic configs. */
public record TopicSpec(String name, int partitions, short replicationFactor, Map<String, String> configs, String keyedBy) {
    public TopicSpec {
        configs = Map.copyOf(configs);
    }
}
