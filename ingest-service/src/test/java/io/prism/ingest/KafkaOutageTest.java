package io.prism.ingest;

import io.prism.vision.testing.TestExrs;
import static org.assertj.core.api.Assertions.assertThat;

import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.testing.TestInfra;
import io.prism.platform.topics.Topics;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Kafka broker is stopped while a farm keeps submitting frames, then started again. Every frame the service
 * accepted (202) reaches prism.frames.v1 exactly once, and PostgreSQL holds exactly one row per frame.
 */
class KafkaOutageTest {
    static EmbeddedInfrastructure infra;
    static IngestHarness h;

    @BeforeAll
    static void start() throws Exception {
        infra = TestInfra.embedded();
        h = IngestHarness.start(infra, Map.of());
    }

    @AfterAll
    static void stop() throws Exception {
        try {
            infra.kafka().start(); // whatever happened, leave the shared broker running for the next test class
        } finally {
            if (h != null) h.close();
        }
    }

    @Test
    void everyAcceptedFrameReachesKafkaOnceAfterABrokerOutage() throws Exception {
        String job = "outage-" + UUID.randomUUID();
        int total = 24;
        List<String> accepted = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        for (int i = 1; i <= total; i++) {
            if (i == 6) {
                infra.kafka().stop(); // the broker goes away mid-run
            }
            if (i == 18) {
                infra.kafka().start(); // and comes back
            }
            HttpResponse<String> r = h.uploadFrame(job, i, "f." + i + ".exr", TestExrs.encode(TestExrs.beauty(5000 + i)),
                    IngestHarness.SUBMIT_TOKEN);
            if (r.statusCode() == 202) {
                accepted.add(IngestHarness.json(r).getString("frameId"));
                if (i == 10) {
                    // Durable but not yet on Kafka: the status says so.
                    HttpResponse<String> status = h.get("/v1/frames/" + IngestHarness.json(r).getString("frameId"), IngestHarness.READ_TOKEN);
                    assertThat(IngestHarness.json(status).getString("delivery")).isEqualTo("pending");
                }
            } else {
                problems.add(IngestHarness.body(r));
            }
            Thread.sleep(100);
        }
        // PostgreSQL was up all along: every frame was accepted while Kafka was down.
        assertThat(problems).isEmpty();
        assertThat(accepted).hasSize(total);

        List<FrameSubmitted> events = h.events(Topics.FRAMES.name(), FrameSubmitted.class, e -> e.jobId().equals(job),
                total, Duration.ofSeconds(90));
        Map<String, Long> perFrame = events.stream().collect(Collectors.groupingBy(e -> e.frameId().toString(), Collectors.counting()));
        assertThat(perFrame.keySet()).containsExactlyInAnyOrderElementsOf(Set.copyOf(accepted));
        assertThat(perFrame.values()).allMatch(n -> n == 1L);
        assertThat(h.count("SELECT count(*) FROM frames WHERE job_id = ?", job)).isEqualTo(total);
        assertThat(h.count("SELECT count(*) FROM outbox WHERE record_key = ? AND published_at IS NULL", job)).isZero();
    }
}
