package io.prism.worker;

import io.prism.vision.testing.TestExrs;
import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameFailed;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.PrismEvent;
import io.prism.platform.db.FrameEntity;
import io.prism.worker.db.FrameRepository;
import io.prism.worker.db.ResultRepository;
import io.prism.worker.pipeline.DeadLetters;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Poison in one partition: an unreadable image, a frame of the wrong size, a frame nobody registered, a message that
 * is not JSON, one missing required fields and a reprocessing request for a model version that does not exist, each
 * between good frames of the same job (same partition). Each goes
 * to the dead-letter topic with its reason, frames with a row are marked failed and announced as FrameFailed, and the
 * frames behind them are processed: the partition keeps moving and its offset is committed to the end.
 */
class PoisonFrameTest {
    @RegisterExtension
    static final WorkerTestKit kit = WorkerTestKit.perClass();

    @Test
    void poisonGoesToTheDeadLetterTopicWithItsReasonAndTheFramesBehindItAreProcessed() throws Exception {
        kit.startWorker(Map.of());
        String job = "poison-job";
        FrameSubmitted good1 = kit.frame(job, 1, TestExrs.linearBeauty(32, 32, 1), 32, 32);
        FrameSubmitted unreadable = kit.frame(job, 2, "this is not an image".getBytes(StandardCharsets.UTF_8), null, null);
        FrameSubmitted wrongSize = kit.frame(job, 3, TestExrs.linearBeauty(16, 16, 3), 32, 32); // declared 32x32, is 16x16
        FrameSubmitted unknown = FrameSubmitted.of(UUID.randomUUID(), job, "show", "sh010", "beauty", 4, 1,
                good1.source(), null, Map.of()); // never registered in PostgreSQL
        // reprocessing request for a model version that does not exist
        FrameSubmitted noSuchModel = kit.frame(job, 8, TestExrs.linearBeauty(32, 32, 8), 32, 32).reprocessWith(Map.of("albedo", 99));
        List<FrameSubmitted> behind = List.of(
                kit.frame(job, 5, TestExrs.linearBeauty(32, 32, 5), 32, 32),
                kit.frame(job, 6, TestExrs.linearBeauty(32, 32, 6), 32, 32),
                kit.frame(job, 7, TestExrs.linearBeauty(32, 32, 7), 32, 32));

        kit.publish(good1);
        kit.publish(unreadable);
        kit.publish(wrongSize);
        kit.publishRaw(job, "{not json at all".getBytes(StandardCharsets.UTF_8));
        kit.publishRaw(job, "{\"type\":\"FrameSubmitted\",\"schemaVersion\":1}".getBytes(StandardCharsets.UTF_8));
        kit.publish(unknown);
        kit.publish(noSuchModel);
        for (FrameSubmitted f : behind) kit.publish(f);

        ResultRepository results = kit.db.repository(ResultRepository.class);
        await("the good frames behind the poison are processed", Duration.ofSeconds(90), quietly(() ->
                kit.count("SELECT count(*) FROM results") == 8));
        for (FrameSubmitted f : List.of(good1, behind.get(0), behind.get(1), behind.get(2))) {
            assertThat(results.findByFrameId(f.frameId())).hasSize(2);
        }

        List<ConsumerRecord<String, byte[]>> dlq = kit.records(kit.dlqTopic, r -> true, 6, Duration.ofSeconds(60));
        Map<String, Integer> reasons = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : dlq) {
            String reason = new String(r.headers().lastHeader(DeadLetters.REASON).value(), StandardCharsets.UTF_8);
            reasons.merge(reason, 1, Integer::sum);
            assertThat(r.headers().lastHeader(DeadLetters.DETAIL)).isNotNull();
            assertThat(r.headers().lastHeader(DeadLetters.SOURCE)).isNotNull();
            JsonNode payload = EventCodec.mapper().readTree(r.value());
            assertThat(payload.path("deadLetter").path("reason").asText()).as("reason in the payload too").isEqualTo(reason);
            if (!reason.equals("malformed")) {
                // still a FrameSubmitted (unknown fields are tolerated): it can be replayed as it is
                assertThat(EventCodec.decode(r.value(), FrameSubmitted.class).frameId()).isNotNull();
            } else {
                // not JSON: wrapped with the original text; JSON missing fields: kept as it was, plus deadLetter
                assertThat(payload.has("original") || payload.path("type").asText().equals("FrameSubmitted")).isTrue();
            }
        }
        assertThat(reasons).containsEntry("unreadable", 1).containsEntry("wrong-size", 1).containsEntry("malformed", 2)
                .containsEntry("unknown-frame", 1).containsEntry("model-unavailable", 1).hasSize(5);
        assertThat(frames(noSuchModel).statusReason()).startsWith("model-unavailable").contains("v99");

        FrameRepository frames = kit.db.repository(FrameRepository.class);
        FrameEntity u = frames.findById(unreadable.frameId()).orElseThrow();
        assertThat(u.status()).isEqualTo("failed");
        assertThat(u.statusReason()).startsWith("unreadable");
        FrameEntity w = frames.findById(wrongSize.frameId()).orElseThrow();
        assertThat(w.status()).isEqualTo("failed");
        assertThat(w.statusReason()).startsWith("wrong-size").contains("16x16");
        assertThat(frames.findById(good1.frameId()).orElseThrow().status()).isEqualTo("processed");

        List<PrismEvent> failed = kit.events(WorkerTestKit.resultsTopic(), Set.of(unreadable.frameId(), wrongSize.frameId()),
                e -> e instanceof FrameFailed, 2, Duration.ofSeconds(60));
        assertThat(failed).hasSize(2).allMatch(e -> ((FrameFailed) e).permanent());

        // the partition kept moving: the group's committed offset is past the last record
        try (Admin admin = Admin.create(Map.of("bootstrap.servers", kit.infra.kafkaBootstrapServers()))) {
            await("offsets committed to the end", Duration.ofSeconds(30), quietly(() -> {
                Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(kit.group)
                        .partitionsToOffsetAndMetadata().get();
                long total = committed.values().stream().mapToLong(OffsetAndMetadata::offset).sum();
                return total == 10; // 10 records published, all in the job's partition
            }));
        }
    }

    private static FrameEntity frames(FrameSubmitted f) {
        return kit.db.repository(FrameRepository.class).findById(f.frameId()).orElseThrow();
    }
}
