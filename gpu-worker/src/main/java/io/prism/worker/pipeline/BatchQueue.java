package io.prism.worker.pipeline;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Dynamic batching as Triton and Ray Serve do it: the inference thread takes the oldest request and waits at most
 * {@code maxDelay} (from that request's arrival) for more requests of the same kind, up to {@code maxBatch}.
 * A full batch leaves at once; a lone frame waits no longer than the delay. Other kinds keep their order.
 */
public final class BatchQueue {
    private final ArrayDeque<TaskRequest> queue = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final int maxBatch;
    private final long maxDelayNanos;

    public BatchQueue(int maxBatch, long maxDelayMillis) {
        this.maxBatch = maxBatch;
        this.maxDelayNanos = TimeUnit.MILLISECONDS.toNanos(maxDelayMillis);
    }

    public void put(TaskRequest r) {
        lock.lock();
        try {
            queue.addLast(r);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public int size() {
        lock.lock();
        try {
            return queue.size();
        } finally {
            lock.unlock();
        }
    }

    /** Removes every queued request (shutdown); returns them. */
    public List<TaskRequest> drain() {
        lock.lock();
        try {
            List<TaskRequest> out = new ArrayList<>(queue);
            queue.clear();
            return out;
        } finally {
            lock.unlock();
        }
    }

    /**
     * The next batch (1..maxBatch requests with the same {@link TaskRequest#batchKey()}), or an empty list if nothing
     * arrived within {@code pollMillis}.
     */
    public List<TaskRequest> next(long pollMillis) throws InterruptedException {
        lock.lock();
        try {
            long pollDeadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pollMillis);
            while (queue.isEmpty()) {
                long left = pollDeadline - System.nanoTime();
                if (left <= 0) return List.of();
                changed.awaitNanos(left);
            }
            TaskRequest first = queue.peekFirst();
            String key = first.batchKey();
            long deadline = first.enqueuedNanos() + maxDelayNanos;
            while (count(key) < maxBatch) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                changed.awaitNanos(left);
            }
            List<TaskRequest> batch = new ArrayList<>(maxBatch);
            for (Iterator<TaskRequest> it = queue.iterator(); it.hasNext() && batch.size() < maxBatch; ) {
                TaskRequest r = it.next();
                if (r.batchKey().equals(key)) {
                    batch.add(r);
                    it.remove();
                }
            }
            return batch;
        } finally {
            lock.unlock();
        }
    }

    private int count(String key) {
        int n = 0;
        for (TaskRequest r : queue) {
            if (r.batchKey().equals(key) && ++n >= maxBatch) break;
        }
        return n;
    }
}
