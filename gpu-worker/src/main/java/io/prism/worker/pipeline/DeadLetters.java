package io.prism.worker.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameFailed;
import io.prism.platform.contracts.FrameStatus;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.db.Database;
import io.prism.worker.db.FrameRepository;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.outbox.Outbox;
import io.prism.platform.topics.Topics;
import io.prism.worker.WorkerConfig;
import io.prism.worker.WorkerMetrics;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where frames that cannot be processed go: {@code prism.frames.dlq.v1} with the reason in headers
 * ({@code prism.dlq.reason}, {@code prism.dlq.detail}, {@code prism.dlq.source}, {@code prism.dlq.worker}) and in the
 * payload (the original FrameSubmitted JSON plus a {@code deadLetter} object, so it still decodes as FrameSubmitted
 * and can be replayed; an undecodable message is wrapped as {@code {"deadLetter":..., "original":...}}), the frame
 * marked failed in PostgreSQL and {@link FrameFailed} announced through the outbox in the same transaction.
 * Both steps retry until they succeed; only then is the offset committed.
 */
public final class DeadLetters implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetters.class);
    public static final String REASON = "prism.dlq.reason";
    public static final String DETAIL = "prism.dlq.detail";
    public static final String SOURCE = "prism.dlq.source";
    public static final String WORKER = "prism.dlq.worker";

    private final Database db;
    private final WorkerConfig cfg;
    private final WorkerMetrics metrics;
    private final Producer<String, byte[]> producer;

    public DeadLetters(Database db, String bootstrap, WorkerConfig cfg, WorkerMetrics metrics) {
        this.db = db;
        this.cfg = cfg;
        this.metrics = metrics;
        this.producer = new KafkaProducer<>(KafkaSettings.toProperties(KafkaSettings.producer(bootstrap, "prism-worker-dlq-" + cfg.instance())));
    }

    /**
     * Dead-letters one consumed record (blocking, retried until done).
     *
     * @param frame    the decoded frame, or null when the message itself is malformed
     * @param task     the task that failed, or null when the whole frame is unusable
     * @param attempts how often it was tried
     */
    public void send(String sourceTopic, int partition, long offset, String key, byte[] original, FrameSubmitted frame,
                     String task, String reason, String detail, int attempts, BooleanSupplier stopping)
            throws Retry.Abandoned {
        metrics.failure(reason);
        String shortDetail = detail == null ? reason : (detail.length() > 2000 ? detail.substring(0, 2000) : detail);
        LOG.warn("event=frame-dead-lettered frame={} source={}-{}@{} reason={} detail=\"{}\"",
                frame == null ? null : frame.frameId(), sourceTopic, partition, offset, reason, shortDetail);
        try {
            if (frame != null) {
                Retry.forever("mark frame failed", cfg, stopping, () -> db.inTransaction(c -> {
                    db.repository(FrameRepository.class).updateStatus(frame.frameId(), FrameStatus.FAILED.value(), reason + ": " + shortDetail);
                    new Outbox(db.repository(OutboxRepository.class)).enqueue(Topics.RESULTS,
                            FrameFailed.of(frame.frameId(), frame.jobId(), task, reason, shortDetail, attempts, true));
                    return null;
                }));
            }
            byte[] payload = payload(original, sourceTopic, partition, offset, reason, shortDetail);
            ProducerRecord<String, byte[]> rec = new ProducerRecord<>(cfg.dlqTopic(), key, payload);
            rec.headers().add(REASON, reason.getBytes(StandardCharsets.UTF_8));
            rec.headers().add(DETAIL, shortDetail.getBytes(StandardCharsets.UTF_8));
            rec.headers().add(SOURCE, (sourceTopic + "-" + partition + "@" + offset).getBytes(StandardCharsets.UTF_8));
            rec.headers().add(WORKER, cfg.instance().getBytes(StandardCharsets.UTF_8));
            Retry.forever("publish to " + cfg.dlqTopic(), cfg, stopping, () -> producer.send(rec).get(35, TimeUnit.SECONDS));
        } catch (Retry.Permanent p) {
            throw new IllegalStateException(p);
        }
    }

    static byte[] payload(byte[] original, String topic, int partition, long offset, String reason, String detail) {
        var mapper = EventCodec.mapper();
        ObjectNode dl = mapper.createObjectNode()
                .put("reason", reason).put("detail", detail).put("sourceTopic", topic)
                .put("partition", partition).put("offset", offset).put("time", Instant.now().toString());
        try {
            var tree = original == null ? null : mapper.readTree(original);
            if (tree instanceof ObjectNode obj) {
                obj.set("deadLetter", dl);
                return mapper.writeValueAsBytes(obj);
            }
        } catch (Exception ignored) {
            // not JSON: wrapped below
        }
        ObjectNode wrap = mapper.createObjectNode();
        wrap.set("deadLetter", dl);
        if (original != null) {
            String s = new String(original, StandardCharsets.UTF_8);
            boolean text = s.chars().allMatch(ch -> ch >= 0x20 || ch == '\n' || ch == '\r' || ch == '\t') && !s.contains("\uFFFD");
            wrap.put(text ? "original" : "originalBase64", text ? s : Base64.getEncoder().encodeToString(original));
        }
        try {
            return mapper.writeValueAsBytes(wrap);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
