package io.prism.trainer.db;

import io.micronaut.data.annotation.Query;
import io.micronaut.data.connection.annotation.Connectable;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.jdbc.runtime.JdbcOperations;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.GenericRepository;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.Optional;

/**
 * Named leases ({@code leases}): singleton work across instances. The clock is the database's, so instances with
 * skewed clocks still agree on expiry.
 */
@JdbcRepository(dialect = Dialect.POSTGRES)
public abstract class LeaseRepository implements GenericRepository<LeaseEntity, String> {
    private final JdbcOperations jdbc;

    protected LeaseRepository(JdbcOperations jdbc) {
        this.jdbc = jdbc;
    }

    /**
     * Takes the lease for {@code ttl} if it is free, expired or already ours; returns whether we hold it. The
     * insert-or-update is one atomic statement (its {@code RETURNING} row says who won, hence JDBC here).
     */
    @Connectable
    public boolean acquire(String name, String owner, Duration ttl) {
        return jdbc.prepareStatement("""
                INSERT INTO leases (name, owner, expires_at) VALUES (?, ?, now() + ? * interval '1 millisecond')
                ON CONFLICT (name) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                WHERE leases.owner = EXCLUDED.owner OR leases.expires_at < now()
                RETURNING owner""", s -> {
            s.setString(1, name);
            s.setString(2, owner);
            s.setLong(3, ttl.toMillis());
            try (ResultSet r = s.executeQuery()) {
                return r.next() && owner.equals(r.getString(1));
            }
        });
    }

    /** Extends our lease; false when it is no longer ours (it expired and someone else took it). */
    public boolean renew(String name, String owner, Duration ttl) {
        return extend(name, owner, ttl.toMillis()) == 1;
    }

    @Query("UPDATE leases SET expires_at = now() + :ttlMillis * interval '1 millisecond' WHERE name = :name AND owner = :owner")
    protected abstract int extend(String name, String owner, long ttlMillis);

    @Query("DELETE FROM leases WHERE name = :name AND owner = :owner")
    public abstract int release(String name, String owner);

    /** Who holds the lease now (nobody once it expired). */
    @Query("SELECT owner FROM leases WHERE name = :name AND expires_at >= now()")
    public abstract Optional<String> findHolder(String name);
}
