package io.prism.worker.pipeline;

import java.util.Queue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.common.TopicPartition;

/**
 * A consumed record's receipt, handed forward with the record from stage to stage. Only the stage that makes the
 * record durable — its results and their outbox rows committed in PostgreSQL, or the record dead-lettered and its
 * frame marked failed — calls {@link #durable()}. The receipt then lands in the inbox of the consume stage, which
 * commits an offset only once every record below it has sent its receipt ({@link OffsetTracker}); a receipt from an
 * earlier assignment of the partition (another epoch) is ignored there. So no later stage ever calls into the
 * consumer: what flows back is this one message.
 */
public final class Ack {
    private final TopicPartition partition;
    private final long offset;
    private final long epoch;
    private final Queue<Ack> inbox;
    private final AtomicBoolean sent = new AtomicBoolean();

    /** @param inbox the consume stage's queue of durable records (thread-safe) */
    public Ack(TopicPartition partition, long offset, long epoch, Queue<Ack> inbox) {
        this.partition = partition;
        this.offset = offset;
        this.epoch = epoch;
        this.inbox = inbox;
    }

    public TopicPartition partition() { return partition; }
    public long offset() { return offset; }
    /** The assignment of the partition under which the record was consumed. */
    public long epoch() { return epoch; }

    /** The record is durable: its offset may be committed once every offset below it is. Sends the receipt once. */
    public void durable() {
        if (sent.compareAndSet(false, true)) inbox.add(this);
    }

    @Override
    public String toString() {
        return partition + "@" + offset;
    }
}
