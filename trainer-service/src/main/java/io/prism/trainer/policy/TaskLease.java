package io.prism.trainer.policy;

import io.prism.trainer.db.LeaseRepository;
import java.time.Duration;

/**
 * "Never two runs of one task at once", across trainer instances: a row in {@code leases} named
 * {@code trainer:<task>} that an instance takes atomically when it is free or expired, renews while it trains
 * (heartbeat) and deletes when done.
 *
 * <p>Why a lease and not {@code pg_advisory_lock}: an advisory lock lives as long as one database session, so a run
 * of minutes to hours would have to pin a pooled connection, and a dropped connection would release the lock
 * silently while the old instance goes on training. A lease is visible in a table (who holds it, until when),
 * needs no long-lived connection, expires by itself when its holder dies (the next instance resumes the run from its
 * last checkpoint), and every renewal is a fencing check: an instance whose lease was taken over stops.
 */
public final class TaskLease {
    private final LeaseRepository leases;
    private final String name;
    private final String owner;
    private final Duration ttl;

    public TaskLease(LeaseRepository leases, String task, String owner, Duration ttl) {
        this.leases = leases;
        this.name = nameOf(task);
        this.owner = owner;
        this.ttl = ttl;
    }

    public static String nameOf(String task) {
        return "trainer:" + task;
    }

    public boolean tryAcquire() {
        return leases.acquire(name, owner, ttl);
    }

    /** False when the lease is no longer ours: the caller must stop working on the task. */
    public boolean renew() {
        return leases.renew(name, owner, ttl);
    }

    public void release() {
        leases.release(name, owner);
    }

    public String owner() {
        return owner;
    }

    public String name() {
        return name;
    }
}
