package io.prism.platform.kafka;

import io.prism.platform.retry.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one Kafka poll loop of every Prism service: polls on a thread of its own (a {@link KafkaConsumer} is blocking
 * and must not be shared), hands each record to a {@link Handler}, and commits a partition's offset only below the
 * lowest record that is not yet durable ({@link OffsetTracker}), so a crash or a rebalance redelivers what was not
 * finished and never skips it. Written once because each hand-rolled loop had its own way to commit, retry and stop.
 *
 * <ul>
 * <li><b>Durable</b>: a handler calls {@link Receipt#durable()} once the record's effects are stored, before it
 *     returns or later from any thread (a pipeline that batches). {@link Handler#synchronous} does it on return.</li>
 * <li><b>Retry</b>: a handler that throws has not taken the record; the consumer seeks back to it, waits
 *     {@link Backoff} and hands it again (database or blob store outages). Records no retry can fix (malformed) are the
 *     handler's to skip: log or dead-letter them and call {@code durable()}.</li>
 * <li><b>Back-pressure</b>: with {@code maxInFlight}, no more records than that are handed out before their
 *     receipts come back; the partitions are paused meanwhile (polling goes on, so the group membership stays alive)
 *     and resumed once half have drained.</li>
 * <li><b>Stop</b>: {@link #stop()} wakes the consumer, waits up to {@code drainTimeout} for records in flight to
 *     become durable, commits what is, and closes.</li>
 * </ul>
 *
 * Two ways to read: {@link Builder#group} (a consumer group: each record to one member, offsets committed) or
 * {@link Builder#fromEnd} (no group: every instance reads every record written after {@link Builder#build()}, and
 * nothing is committed, for state whose truth lives elsewhere, like the model registry).
 */
public final class PollingConsumer {
    private static final Logger LOG = LoggerFactory.getLogger(PollingConsumer.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration COMMIT_TIMEOUT = Duration.ofSeconds(10);

    /** Takes records from the consumer thread. */
    @FunctionalInterface
    public interface Handler {
        /**
         * Takes one record; {@code receipt.durable()} must follow once it is stored (now or later, any thread).
         * Throwing means "not taken": the same record comes again after a back-off.
         */
        void handle(ConsumerRecord<String, byte[]> record, Receipt receipt) throws Exception;

        /** A handler whose record is durable when {@code handler} returns. */
        static Handler synchronous(SynchronousHandler handler) {
            return (record, receipt) -> {
                handler.handle(record);
                receipt.durable();
            };
        }
    }

    /** Stores one record before it returns; throws to have it retried. */
    @FunctionalInterface
    public interface SynchronousHandler {
        void handle(ConsumerRecord<String, byte[]> record) throws Exception;
    }

    /** One handed-out record; {@link #durable()} lets the committed offset move past it. */
    public static final class Receipt {
        private final PollingConsumer owner;
        private final TopicPartition partition;
        private final long epoch;
        private final long offset;

        private Receipt(PollingConsumer owner, TopicPartition partition, long epoch, long offset) {
            this.owner = owner;
            this.partition = partition;
            this.epoch = epoch;
            this.offset = offset;
        }

        /** The record is stored (or dead-lettered); call once, from any thread. */
        public void durable() {
            owner.completions.add(this);
        }

        public TopicPartition partition() {
            return partition;
        }

        public long offset() {
            return offset;
        }

        @Override
        public String toString() {
            return partition + "@" + offset;
        }
    }

    private final String name;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<String> topics;
    private final boolean commits;
    private final Handler handler;
    private final Duration pollTimeout;
    private final Duration drainTimeout;
    private final Backoff retry;
    private final int maxInFlight;
    private final Map<TopicPartition, Long> startOffsets;
    private final OffsetTracker tracker = new OffsetTracker();
    private final ConcurrentLinkedQueue<Receipt> completions = new ConcurrentLinkedQueue<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger peakInFlight = new AtomicInteger();
    private final AtomicBoolean started = new AtomicBoolean();
    private final CountDownLatch stopping = new CountDownLatch(1);
    private final CountDownLatch ended = new CountDownLatch(1);
    private volatile boolean running;
    private volatile boolean polling;
    private Thread thread;
    private boolean paused;
    private int failuresInARow;

    private PollingConsumer(Builder b) {
        this.name = b.name;
        this.topics = List.copyOf(b.topics);
        this.commits = b.group != null;
        this.handler = Objects.requireNonNull(b.handler, "a handler");
        this.pollTimeout = b.pollTimeout;
        this.drainTimeout = b.drainTimeout;
        this.retry = b.retry;
        this.maxInFlight = b.maxInFlight;
        Map<String, String> props = KafkaSettings.consumer(b.bootstrap, commits ? b.group : "unused", name);
        if (!commits) props.remove("group.id");
        props.putAll(b.properties);
        this.consumer = new KafkaConsumer<>(KafkaSettings.toProperties(props));
        if (commits) {
            this.startOffsets = Map.of();
        } else {
            // Position now, not when the thread starts: what the caller reads after build() (the registry) plus
            // everything from here on is the whole story.
            try {
                List<TopicPartition> parts = new ArrayList<>();
                for (String topic : topics) {
                    consumer.partitionsFor(topic, Duration.ofSeconds(60)).forEach(i -> parts.add(new TopicPartition(i.topic(), i.partition())));
                }
                consumer.assign(parts);
                this.startOffsets = Map.copyOf(consumer.endOffsets(parts, Duration.ofSeconds(60)));
                startOffsets.forEach(consumer::seek);
                parts.forEach(tracker::assign);
            } catch (RuntimeException e) {
                consumer.close(Duration.ZERO);
                throw e;
            }
            LOG.info("event=consumer-positioned consumer={} offsets={}", name, startOffsets);
        }
    }

    /** A consumer named {@code name} (its client id and thread name) of the given broker. */
    public static Builder builder(String bootstrap, String name) {
        return new Builder(bootstrap, name);
    }

    /** Starts polling on a thread of its own. */
    public PollingConsumer start() {
        if (!started.compareAndSet(false, true)) throw new IllegalStateException(name + " was started already");
        running = true;
        thread = new Thread(this::loop, name);
        thread.setDaemon(true);
        thread.start();
        return this;
    }

    /**
     * Stops: wakes the consumer out of its poll, waits up to the drain timeout for handed-out records to become
     * durable, commits the offsets below the first that did not, and closes. Blocks until then; idempotent; a
     * consumer that never started is just closed.
     */
    public void stop() throws InterruptedException {
        if (!started.getAndSet(true)) {
            consumer.close(Duration.ZERO);
            ended.countDown();
            return;
        }
        running = false;
        stopping.countDown();
        consumer.wakeup();
        if (!ended.await(drainTimeout.plus(COMMIT_TIMEOUT).plus(CLOSE_TIMEOUT).toMillis(), TimeUnit.MILLISECONDS)) {
            LOG.warn("event=consumer-stop-timeout consumer={}", name);
        }
    }

    /** Whether the poll loop is alive (readiness). */
    public boolean polling() {
        return polling;
    }

    /** Records handed out whose receipts have not come back. */
    public int inFlight() {
        return inFlight.get();
    }

    /** The most records ever in flight at once. */
    public int peakInFlight() {
        return peakInFlight.get();
    }

    /** Where a {@link Builder#fromEnd} consumer started reading (the end offsets at {@link Builder#build()}); empty for a group. */
    public Map<TopicPartition, Long> startOffsets() {
        return startOffsets;
    }

    private void loop() {
        try {
            if (commits) consumer.subscribe(topics, new Rebalance());
            polling = true;
            while (running) {
                settle();
                backPressure();
                ConsumerRecords<String, byte[]> records;
                try {
                    records = consumer.poll(pollTimeout);
                } catch (WakeupException e) {
                    continue; // stop(): the loop condition ends it
                }
                hand(records);
            }
            drain();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("event=consumer-crashed consumer={} reason=\"{}\"", name, e.toString(), e);
        } finally {
            polling = false;
            try {
                consumer.close(CLOSE_TIMEOUT);
            } catch (RuntimeException e) {
                LOG.warn("event=consumer-close-failed consumer={} reason=\"{}\"", name, e.toString());
            }
            ended.countDown();
        }
    }

    /** Hands a poll's records on, in order per partition, until stopping, back-pressure or a failure holds them back. */
    private void hand(ConsumerRecords<String, byte[]> records) throws InterruptedException {
        List<TopicPartition> parts = new ArrayList<>(records.partitions());
        for (int i = 0; i < parts.size(); i++) {
            TopicPartition tp = parts.get(i);
            Long epoch = tracker.epoch(tp);
            if (epoch == null) continue; // revoked meanwhile: not ours any more
            for (ConsumerRecord<String, byte[]> r : records.records(tp)) {
                if (!running) return; // nothing past here is committed: the next reader gets it
                if (tracker.inFlight() >= maxInFlight) {
                    pauseAll();
                    rewind(records, parts, i, r.offset());
                    return;
                }
                try {
                    handler.handle(r, new Receipt(this, tp, epoch, r.offset()));
                } catch (Exception e) {
                    if (e instanceof InterruptedException) Thread.currentThread().interrupt();
                    long delayMs = retry.delayMs(++failuresInARow);
                    LOG.warn("event=consumer-retry consumer={} record={}-{}@{} retryInMs={} reason=\"{}\"", name, r.topic(), r.partition(),
                            r.offset(), delayMs, String.valueOf(e.getMessage()));
                    rewind(records, parts, i, r.offset());
                    stopping.await(delayMs, TimeUnit.MILLISECONDS);
                    return;
                }
                failuresInARow = 0;
                tracker.started(tp, r.offset());
                inFlight.set(tracker.inFlight());
                peakInFlight.accumulateAndGet(tracker.inFlight(), Math::max);
            }
        }
    }

    /** The next poll starts at {@code offset} of partition {@code from}, and at the first record of each later one. */
    private void rewind(ConsumerRecords<String, byte[]> records, List<TopicPartition> parts, int from, long offset) {
        consumer.seek(parts.get(from), offset);
        for (int j = from + 1; j < parts.size(); j++) {
            TopicPartition tp = parts.get(j);
            if (tracker.epoch(tp) != null) consumer.seek(tp, records.records(tp).get(0).offset());
        }
    }

    /** Applies the receipts that came back; true when a committable offset moved. */
    private boolean applyCompletions() {
        boolean moved = false;
        Receipt r;
        while ((r = completions.poll()) != null) {
            moved |= tracker.done(r.partition, r.epoch, r.offset);
        }
        inFlight.set(tracker.inFlight());
        return moved;
    }

    /** Applies receipts and commits what moved, without waiting (a failed commit is covered by the next one). */
    private void settle() {
        if (!applyCompletions() || !commits) return;
        Map<TopicPartition, OffsetAndMetadata> offsets = tracker.toCommit();
        if (offsets.isEmpty()) return;
        consumer.commitAsync(offsets, (o, e) -> {
            if (e == null) {
                tracker.committed(o);
            } else {
                LOG.warn("event=commit-failed consumer={} offsets={} reason=\"{}\" (retried with the next commit)", name, o, e.toString());
            }
        });
    }

    /** Commits what is durable and waits for the answer (rebalance, stop). */
    private void commitSync() {
        if (!commits) return;
        applyCompletions();
        Map<TopicPartition, OffsetAndMetadata> offsets = new HashMap<>(tracker.toCommit());
        if (offsets.isEmpty()) return;
        try {
            try {
                consumer.commitSync(offsets, COMMIT_TIMEOUT);
            } catch (WakeupException e) {
                consumer.commitSync(offsets, COMMIT_TIMEOUT); // stop()'s wakeup landed here; it fires only once
            }
            tracker.committed(offsets);
            LOG.info("event=offsets-committed consumer={} offsets={}", name, offsets);
        } catch (RuntimeException e) {
            LOG.warn("event=commit-failed consumer={} offsets={} reason=\"{}\" (records will be redelivered)", name, offsets, e.toString());
        }
    }

    /** Stopping: gives records in flight up to the drain timeout to become durable, then commits what is. */
    private void drain() throws InterruptedException {
        long deadline = System.nanoTime() + drainTimeout.toNanos();
        while (applyCompletionsAndCount() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        commitSync();
    }

    private int applyCompletionsAndCount() {
        applyCompletions();
        return tracker.inFlight();
    }

    private void backPressure() {
        if (paused && tracker.inFlight() <= maxInFlight / 2) {
            consumer.resume(consumer.paused());
            paused = false;
            LOG.debug("event=consumer-resumed consumer={} inFlight={}", name, tracker.inFlight());
        }
    }

    private void pauseAll() {
        consumer.pause(consumer.assignment());
        if (!paused) LOG.debug("event=consumer-paused consumer={} inFlight={}", name, tracker.inFlight());
        paused = true;
    }

    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            commitSync();
            partitions.forEach(tracker::revoke);
            inFlight.set(tracker.inFlight());
            LOG.info("event=partitions-revoked consumer={} partitions={}", name, partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            partitions.forEach(tracker::revoke); // cannot commit: another member owns them already
            inFlight.set(tracker.inFlight());
            LOG.warn("event=partitions-lost consumer={} partitions={}", name, partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            partitions.forEach(tracker::assign);
            if (paused) consumer.pause(partitions);
            LOG.info("event=partitions-assigned consumer={} partitions={}", name, partitions);
        }
    }

    /** What to read and how; {@link #build()} creates the Kafka consumer (and positions a {@link #fromEnd} one). */
    public static final class Builder {
        private final String bootstrap;
        private final String name;
        private final List<String> topics = new ArrayList<>();
        private final Map<String, String> properties = new HashMap<>();
        private String group;
        private boolean fromEnd;
        private Handler handler;
        private Duration pollTimeout = Duration.ofMillis(200);
        private Duration drainTimeout = Duration.ofSeconds(10);
        private Backoff retry = new Backoff(Duration.ofMillis(200), Duration.ofSeconds(10));
        private int maxInFlight = Integer.MAX_VALUE;

        private Builder(String bootstrap, String name) {
            this.bootstrap = Objects.requireNonNull(bootstrap, "bootstrap");
            this.name = Objects.requireNonNull(name, "name");
        }

        /** Reads {@code topics} as a member of consumer group {@code group}, committing below the durable. */
        public Builder group(String group, String... topics) {
            this.group = Objects.requireNonNull(group, "group");
            this.topics.addAll(List.of(topics));
            return this;
        }

        /** Reads every partition of {@code topics} from their end offsets at {@link #build()}, in no group. */
        public Builder fromEnd(String... topics) {
            this.fromEnd = true;
            this.topics.addAll(List.of(topics));
            return this;
        }

        public Builder handler(Handler handler) {
            this.handler = handler;
            return this;
        }

        /** The longest one poll waits for records (default 200 ms). */
        public Builder pollTimeout(Duration d) {
            this.pollTimeout = d;
            return this;
        }

        /** How long {@link PollingConsumer#stop()} waits for records in flight (default 10 s). */
        public Builder drainTimeout(Duration d) {
            this.drainTimeout = d;
            return this;
        }

        /** The wait before a record whose handler threw comes again (default 200 ms doubling to 10 s). */
        public Builder retry(Backoff backoff) {
            this.retry = Objects.requireNonNull(backoff);
            return this;
        }

        /** The most records handed out before their receipts come back (default: no limit). */
        public Builder maxInFlight(int n) {
            if (n < 1) throw new IllegalArgumentException("maxInFlight must be at least 1, got " + n);
            this.maxInFlight = n;
            return this;
        }

        /** A Kafka consumer property over {@link KafkaSettings#consumer}'s defaults. */
        public Builder property(String key, String value) {
            properties.put(key, value);
            return this;
        }

        public PollingConsumer build() {
            if (topics.isEmpty()) throw new IllegalStateException(name + ": no topic (call group(...) or fromEnd(...))");
            if ((group == null) == !fromEnd) throw new IllegalStateException(name + ": read either in a group or from the end");
            return new PollingConsumer(this);
        }
    }
}
