package io.prism.ingest;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Collections;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ingest's meters, and the one place refusals are logged (one line per refusal, with its reason), so the log and
 * {@code prism_ingest_refused_total} always agree.
 */
public final class IngestMetrics {
    private static final Logger LOG = LoggerFactory.getLogger("io.prism.ingest.refusals");
    private final MeterRegistry registry;
    private final AtomicLong outboxPending;
    private final AtomicLong outboxLagMs;

    /**
     * Gauge state per registry: a redeployed service (restart in the same JVM, the all-in-one runtime) must update
     * the gauges already registered, not new numbers that no gauge reads.
     */
    private static final Map<MeterRegistry, AtomicLong[]> GAUGES = Collections.synchronizedMap(new WeakHashMap<>());

    public IngestMetrics(MeterRegistry registry) {
        this.registry = registry;
        AtomicLong[] g = GAUGES.computeIfAbsent(registry, r -> {
            AtomicLong pending = new AtomicLong();
            AtomicLong lag = new AtomicLong();
            Gauge.builder("prism_ingest_outbox_pending", pending, AtomicLong::get)
                    .description("outbox rows not yet on Kafka").strongReference(true).register(r);
            Gauge.builder("prism_ingest_outbox_lag_ms", lag, AtomicLong::get)
                    .description("age of the oldest outbox row not yet on Kafka").strongReference(true).register(r);
            return new AtomicLong[] {pending, lag};
        });
        this.outboxPending = g[0];
        this.outboxLagMs = g[1];
    }

    /** A frame (or pair) was accepted; {@code duplicate} when it was already known (idempotent resubmission). */
    public void accepted(String what, String via, boolean duplicate, long bytes) {
        Counter.builder("prism_ingest_accepted_total").tag("what", what).tag("via", via)
                .tag("result", duplicate ? "duplicate" : "new").register(registry).increment();
        if (!duplicate && bytes > 0) {
            Counter.builder("prism_ingest_bytes_total").tag("via", via).baseUnit("bytes").register(registry).increment(bytes);
        }
    }

    /** Logs and counts a refusal. */
    public void refused(String via, String code, int status, String subject, String reason) {
        Counter.builder("prism_ingest_refused_total").tag("via", via).tag("reason", code).register(registry).increment();
        LOG.warn("event=ingest-refused via={} reason={} status={} subject=\"{}\" detail=\"{}\"", via, code, status,
                clean(subject), clean(reason));
    }

    public void outbox(long pending, long lagMs) {
        outboxPending.set(pending);
        outboxLagMs.set(lagMs);
    }

    public MeterRegistry registry() {
        return registry;
    }

    private static String clean(String s) {
        return s == null ? "" : s.replace('"', '\'').replace('\n', ' ').replace('\r', ' ');
    }
}
