package io.prism.platform.contracts;

import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.infra.Infrastructure;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.topics.TopicSpec;
import io.prism.platform.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;

/** Every contract through the real broker, on the topic the catalogue puts it on. */
class KafkaRoundTripTest {

    private static TopicSpec topicOf(PrismEvent e) {
        if (e instanceof FrameSubmitted) return Topics.FRAMES;
        if (e instanceof FrameProcessed || e instanceof FrameFailed) return Topics.RESULTS;
        if (e instanceof GroundTruthPairSubmitted) return Topics.PAIRS;
        return Topics.MODELS;
    }

    @Test
    void everyContractRoundTripsThroughKafka() throws Exception {
        Infrastructure infra = TestInfra.shared();
        List<PrismEvent> sent = Fixtures.allEvents();
        try (var producer = new KafkaProducer<String, byte[]>(KafkaSettings.toProperties(KafkaSettings.producer(infra.kafkaBootstrapServers(), "t")))) {
            for (PrismEvent e : sent) {
                producer.send(new ProducerRecord<>(topicOf(e).name(), e.key(), EventCodec.encode(e))).get();
            }
        }
        List<PrismEvent> received = new ArrayList<>();
        var props = KafkaSettings.consumer(infra.kafkaBootstrapServers(), "rt-" + System.nanoTime(), "t");
        try (var consumer = new KafkaConsumer<String, byte[]>(KafkaSettings.toProperties(props))) {
            consumer.subscribe(Topics.all().stream().map(TopicSpec::name).toList());
            long deadline = System.currentTimeMillis() + 30_000;
            while (System.currentTimeMillis() < deadline && !received.containsAll(sent)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    PrismEvent e = EventCodec.decode(r.value());
                    assertThat(r.key()).isEqualTo(e.key());
                    received.add(e);
                }
            }
        }
        assertThat(received).containsAll(sent);
    }

    @Test
    void catalogueTopicsExistWithDeclaredPartitionsAndCompaction() throws Exception {
        Infrastructure infra = TestInfra.shared();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", infra.kafkaBootstrapServers()))) {
            Map<String, TopicDescription> d = admin.describeTopics(Topics.all().stream().map(TopicSpec::name).toList()).allTopicNames().get();
            for (TopicSpec s : Topics.all()) {
                assertThat(d.get(s.name()).partitions()).as(s.name()).hasSize(s.partitions());
            }
            var res = new ConfigResource(ConfigResource.Type.TOPIC, Topics.MODELS.name());
            var cfg = admin.describeConfigs(Set.of(res)).all().get().get(res);
            assertThat(cfg.get("cleanup.policy").value()).isEqualTo("compact");
        }
    }
}
