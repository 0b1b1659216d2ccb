package io.prism.platform.kafka;

import static io.prism.platform.testing.TestKit.await;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.kafka.PollingConsumer.Receipt;
import io.prism.platform.retry.Backoff;
import io.prism.platform.testing.TestInfra;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** The poll loop against the real broker: what it commits, how it retries, holds back and stops. */
class PollingConsumerTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private final String bootstrap = TestInfra.shared().kafkaBootstrapServers();

    @Test
    void commitsOnlyBelowTheFirstRecordNotYetDurableAndTheNextMemberStartsThere() throws Exception {
        String topic = topic();
        String group = "g-" + topic;
        send(topic, "0", "1", "2", "3", "4");
        List<Receipt> receipts = new CopyOnWriteArrayList<>();
        PollingConsumer c = PollingConsumer.builder(bootstrap, "test-durable").group(group, topic)
                .drainTimeout(Duration.ofMillis(100)).handler((r, receipt) -> receipts.add(receipt)).build().start();
        await("five records handed out", WAIT, () -> receipts.size() == 5);

        receipts.get(0).durable();
        receipts.get(1).durable();
        receipts.get(3).durable();
        await("offset 2 committed (record 2 is not durable)", WAIT, () -> committed(group, topic) == 2);
        receipts.get(2).durable();
        await("offset 4 committed", WAIT, () -> committed(group, topic) == 4);
        c.stop();
        assertThat(committed(group, topic)).as("record 4 never became durable").isEqualTo(4);

        List<Long> again = new CopyOnWriteArrayList<>();
        PollingConsumer next = PollingConsumer.builder(bootstrap, "test-durable-next").group(group, topic)
                .handler(PollingConsumer.Handler.synchronous(r -> again.add(r.offset()))).build().start();
        await("record 4 redelivered", WAIT, () -> !again.isEmpty());
        next.stop();
        assertThat(again).containsExactly(4L);
        assertThat(committed(group, topic)).isEqualTo(5);
    }

    @Test
    void aRecordWhoseHandlerThrowsComesAgainAndNothingAfterItIsSkipped() throws Exception {
        String topic = topic();
        String group = "g-" + topic;
        send(topic, "0", "1", "2");
        List<Long> seen = new CopyOnWriteArrayList<>();
        AtomicBoolean failedOnce = new AtomicBoolean();
        PollingConsumer c = PollingConsumer.builder(bootstrap, "test-retry").group(group, topic)
                .retry(new Backoff(Duration.ofMillis(10), Duration.ofMillis(50)))
                .handler(PollingConsumer.Handler.synchronous(r -> {
                    seen.add(r.offset());
                    if (r.offset() == 1 && failedOnce.compareAndSet(false, true)) throw new IllegalStateException("database down");
                })).build().start();
        await("all three stored", WAIT, () -> committed(group, topic) == 3);
        c.stop();
        assertThat(seen).containsExactly(0L, 1L, 1L, 2L);
    }

    @Test
    void fromEndReadsOnlyRecordsWrittenAfterBuild() throws Exception {
        String topic = topic();
        send(topic, "before");
        List<String> seen = new CopyOnWriteArrayList<>();
        PollingConsumer c = PollingConsumer.builder(bootstrap, "test-from-end").fromEnd(topic)
                .handler(PollingConsumer.Handler.synchronous(r -> seen.add(new String(r.value(), StandardCharsets.UTF_8)))).build();
        assertThat(c.startOffsets()).isEqualTo(Map.of(new TopicPartition(topic, 0), 1L));
        send(topic, "after");
        c.start();
        await("the record written after build", WAIT, () -> !seen.isEmpty());
        c.stop();
        assertThat(seen).containsExactly("after");
    }

    @Test
    void handsOutNoMoreThanMaxInFlightUntilReceiptsComeBack() throws Exception {
        String topic = topic();
        send(topic, "0", "1", "2", "3", "4", "5");
        List<Receipt> receipts = Collections.synchronizedList(new ArrayList<>());
        PollingConsumer c = PollingConsumer.builder(bootstrap, "test-pressure").group("g-" + topic, topic).maxInFlight(2)
                .handler((r, receipt) -> receipts.add(receipt)).build().start();
        int completed = 0;
        while (completed < 6) {
            int next = completed;
            await("record " + next + " handed out", WAIT, () -> receipts.size() > next);
            receipts.get(completed++).durable();
        }
        c.stop();
        assertThat(receipts).extracting(Receipt::offset).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        assertThat(c.peakInFlight()).isEqualTo(2);
    }

    @Test
    void stopWakesAConsumerWaitingInPoll() throws Exception {
        String topic = topic();
        PollingConsumer c = PollingConsumer.builder(bootstrap, "test-stop").group("g-" + topic, topic)
                .pollTimeout(Duration.ofMinutes(10)).handler(PollingConsumer.Handler.synchronous(r -> {})).build().start();
        await("polling", WAIT, c::polling);
        c.stop();
        assertThat(c.polling()).isFalse();
    }

    private String topic() throws Exception {
        String name = "test.polling." + System.nanoTime();
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            admin.createTopics(List.of(new NewTopic(name, 1, (short) 1))).all().get();
        }
        return name;
    }

    private void send(String topic, String... values) throws Exception {
        try (var p = new KafkaProducer<String, byte[]>(KafkaSettings.toProperties(KafkaSettings.producer(bootstrap, "test-producer")))) {
            for (String v : values) p.send(new ProducerRecord<>(topic, "k", v.getBytes(StandardCharsets.UTF_8))).get();
        }
    }

    private long committed(String group, String topic) {
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", bootstrap))) {
            OffsetAndMetadata o = admin.listConsumerGroupOffsets(group).partitionsToOffsetAndMetadata().get()
                    .get(new TopicPartition(topic, 0));
            return o == null ? -1 : o.offset();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
