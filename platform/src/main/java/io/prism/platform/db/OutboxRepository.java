package io.prism.platform.db;

import io.micronaut.core.annotation.Nullable;
import io.micronaut.data.annotation.Query;
import io.micronaut.data.jdbc.annotation.JdbcRepository;
import io.micronaut.data.model.query.builder.sql.Dialect;
import io.micronaut.data.repository.CrudRepository;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/** The transactional outbox. */
@JdbcRepository(dialect = Dialect.POSTGRES)
public interface OutboxRepository extends CrudRepository<OutboxEntity, Long> {

    /** Locks up to {@code limit} unpublished rows, oldest first; concurrent relays skip each other's rows. */
    @Query("SELECT * FROM outbox WHERE published_at IS NULL ORDER BY id LIMIT :limit FOR UPDATE SKIP LOCKED")
    List<OutboxEntity> lockPending(int limit);

    @Query("UPDATE outbox SET published_at = now() WHERE id = :id")
    int markPublished(Long id);

    @Query("UPDATE outbox SET attempts = attempts + 1, last_error = :error WHERE id = :id")
    int markFailed(Long id, String error);

    @Query("SELECT count(*) FROM outbox WHERE published_at IS NULL")
    long countPending();

    @Query("SELECT COALESCE((EXTRACT(EPOCH FROM (now() - MIN(created_at))) * 1000)::bigint, 0) FROM outbox WHERE published_at IS NULL")
    long oldestPendingAgeMs();
}
