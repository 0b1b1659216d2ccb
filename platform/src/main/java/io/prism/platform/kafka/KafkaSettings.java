package io.prism.platform.kafka;

import java.util.HashMap;
import java.util.Map;

/**
 * Client settings every Prism producer and consumer starts from. Producers are idempotent with acks=all; consumers
 * commit by hand, only after their work is durable (at-least-once, made effectively-once by idempotent writes).
 */
public final class KafkaSettings {
    private KafkaSettings() {}

    public static Map<String, String> producer(String bootstrap, String clientId) {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", bootstrap);
        m.put("client.id", clientId);
        m.put("acks", "all");
        m.put("enable.idempotence", "true");
        m.put("linger.ms", "5");
        m.put("compression.type", "lz4");
        m.put("max.in.flight.requests.per.connection", "5");
        m.put("delivery.timeout.ms", "30000");
        m.put("request.timeout.ms", "10000");
        m.put("max.block.ms", "15000");
        m.put("key.serializer", "org.apache.kafka.common.serialization.StringSerializer");
        m.put("value.serializer", "org.apache.kafka.common.serialization.ByteArraySerializer");
        return m;
    }

    public static Map<String, String> consumer(String bootstrap, String groupId, String clientId) {
        Map<String, String> m = new HashMap<>();
        m.put("bootstrap.servers", bootstrap);
        m.put("group.id", groupId);
        m.put("client.id", clientId);
        m.put("enable.auto.commit", "false");
        m.put("auto.offset.reset", "earliest");
        m.put("isolation.level", "read_committed");
        m.put("max.poll.records", "64");
        m.put("session.timeout.ms", "10000");
        m.put("heartbeat.interval.ms", "2000");
        m.put("key.deserializer", "org.apache.kafka.common.serialization.StringDeserializer");
        m.put("value.deserializer", "org.apache.kafka.common.serialization.ByteArrayDeserializer");
        return m;
    }

    public static java.util.Properties toProperties(Map<String, String> m) {
        java.util.Properties p = new java.util.Properties();
        p.putAll(m);
        return p;
    }
}
