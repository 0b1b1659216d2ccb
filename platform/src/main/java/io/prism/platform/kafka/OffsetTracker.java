package io.prism.platform.kafka;

import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * Which offsets may be committed (the commit-below-durable rule of {@link PollingConsumer}). Records finish out of
 * order (a worker's batches, parallel writers); a partition's committed offset only moves past a record once it and
 * every record before it are durable, so a crash never skips one. Each assignment of a partition gets a new epoch:
 * completions from work started under an earlier assignment are ignored (another consumer owns those records now;
 * idempotent writes make any overlap harmless).
 *
 * <p>Not thread-safe: used only by the consumer thread.
 */
public final class OffsetTracker {
    private static final class PartitionState {
        final long epoch;
        final TreeMap<Long, Boolean> pending = new TreeMap<>(); // offset -> done
        long next = -1;        // committable position: every offset below it is done
        long committed = -1;   // what we last committed

        PartitionState(long epoch) {
            this.epoch = epoch;
        }
    }

    private final Map<TopicPartition, PartitionState> partitions = new HashMap<>();
    private long epochs;
    private int inFlight;

    /** A partition was assigned to this consumer; returns its epoch. */
    public long assign(TopicPartition tp) {
        long e = ++epochs;
        PartitionState old = partitions.put(tp, new PartitionState(e));
        if (old != null) inFlight -= (int) old.pending.values().stream().filter(d -> !d).count();
        return e;
    }

    public void revoke(TopicPartition tp) {
        PartitionState old = partitions.remove(tp);
        if (old != null) inFlight -= (int) old.pending.values().stream().filter(d -> !d).count();
    }

    public Long epoch(TopicPartition tp) {
        PartitionState s = partitions.get(tp);
        return s == null ? null : s.epoch;
    }

    /** A record was handed to its handler. */
    public void started(TopicPartition tp, long offset) {
        PartitionState s = partitions.get(tp);
        if (s == null) return;
        s.pending.put(offset, false);
        inFlight++;
    }

    /** A record is durable (its effects stored, or it was dead-lettered). Returns false for a stale completion. */
    public boolean done(TopicPartition tp, long epoch, long offset) {
        PartitionState s = partitions.get(tp);
        if (s == null || s.epoch != epoch) return false;
        Boolean was = s.pending.get(offset);
        if (was == null || was) return false;
        s.pending.put(offset, true);
        inFlight--;
        while (!s.pending.isEmpty() && s.pending.firstEntry().getValue()) {
            s.next = s.pending.pollFirstEntry().getKey() + 1;
        }
        return true;
    }

    public int inFlight() {
        return inFlight;
    }

    /** Offsets that moved since the last call (and marks them committed). */
    public Map<TopicPartition, OffsetAndMetadata> toCommit() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        for (var e : partitions.entrySet()) {
            PartitionState s = e.getValue();
            if (s.next > s.committed) {
                out.put(e.getKey(), new OffsetAndMetadata(s.next));
            }
        }
        return out;
    }

    /** The commit of these offsets succeeded. */
    public void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        for (var e : offsets.entrySet()) {
            PartitionState s = partitions.get(e.getKey());
            if (s != null) s.committed = Math.max(s.committed, e.getValue().offset());
        }
    }
}
