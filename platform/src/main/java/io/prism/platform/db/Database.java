package io.prism.platform.db;

import io.micronaut.context.ApplicationContext;
import io.micronaut.transaction.TransactionOperations;
import io.prism.platform.config.PlatformConfig;
import java.sql.Connection;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * PostgreSQL access for a service: migrates the schema with Flyway, then starts a small Micronaut context that
 * provides the pooled {@link DataSource}, the Micronaut Data repositories and transactions.
 *
 * <p>{@code stringtype=unspecified} lets JSON text bind to jsonb columns without casts in every query.
 */
public final class Database implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Database.class);
    /** How long a caller waits for a connection unless configured ({@code PRISM_DB_CONNECT_TIMEOUT}). */
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private final ApplicationContext context;
    /** Repositories are stateless, but Micronaut builds a new proxy per lookup (prototype scope): keep one each. */
    private final Map<Class<?>, Object> repositories = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile TransactionOperations<Connection> transactions;

    private Database(ApplicationContext context) {
        this.context = context;
    }

    public static Database start(PlatformConfig config) {
        return start(config.jdbcUrl(), config.dbUser(), config.dbPassword(), config.dbPoolSize(), config.dbAllowAsyncCommit(),
                config.dbConnectTimeout());
    }

    /** Connects to a server that keeps acknowledged commits (see {@link DurabilityCheck}), or refuses. */
    public static Database start(String jdbcUrl, String user, String password, int poolSize) {
        return start(jdbcUrl, user, password, poolSize, false, DEFAULT_CONNECT_TIMEOUT);
    }

    /**
     * Checks the server's durability settings first ({@link DurabilityCheck}; {@code allowAsyncCommit} for
     * benchmarks only), then migrates and opens the pool. {@code connectTimeout} bounds every wait for a connection,
     * so that during an outage a request fails fast ({@link #isUnavailable}) instead of hanging.
     */
    public static Database start(String jdbcUrl, String user, String password, int poolSize, boolean allowAsyncCommit,
                                 Duration connectTimeout) {
        DurabilityCheck.Settings durability = DurabilityCheck.verify(jdbcUrl, user, password, allowAsyncCommit);
        if (!durability.durable()) {
            LOG.warn("event=database-not-durable url={} synchronous_commit={} fsync={} reason=\"{}=true: acknowledged commits may be lost on a crash\"",
                    jdbcUrl, durability.synchronousCommit(), durability.fsync(), DurabilityCheck.ALLOW_ASYNC_COMMIT);
        }
        migrate(jdbcUrl, user, password);
        Map<String, Object> props = new HashMap<>();
        props.put("datasources.default.url", jdbcUrl);
        props.put("datasources.default.username", user);
        props.put("datasources.default.password", password);
        props.put("datasources.default.driver-class-name", "org.postgresql.Driver");
        props.put("datasources.default.dialect", "POSTGRES");
        props.put("datasources.default.maximum-pool-size", poolSize);
        props.put("datasources.default.minimum-idle", 1);
        props.put("datasources.default.connection-timeout", Math.max(250, connectTimeout.toMillis()));
        props.put("datasources.default.validation-timeout", Math.max(250, Math.min(connectTimeout.toMillis(), 1000)));
        props.put("datasources.default.data-source-properties.connectTimeout", Math.max(1, connectTimeout.toSeconds()));
        props.put("datasources.default.data-source-properties.stringtype", "unspecified");
        props.put("datasources.default.data-source-properties.reWriteBatchedInserts", "true");
        props.put("datasources.default.schema-generate", "NONE");
        ApplicationContext ctx = ApplicationContext.builder()
                .properties(props)
                .deduceEnvironment(false)
                .banner(false)
                .start();
        LOG.info("event=database-ready url={}", jdbcUrl);
        return new Database(ctx);
    }

    /**
     * Applies pending migrations; safe to call from several services at once (Flyway locks its history table).
     *
     * <p>Every migration lives in platform's {@code db/migration}, so every process carries the whole schema and
     * applies it in one order. The version ranges name the owner of each table: shared tables {@code V1..V9},
     * ingest V10-19, worker V20-29, trainer V30-39, results-api V40-49.
     */
    public static void migrate(String jdbcUrl, String user, String password) {
        Flyway.configure()
                .dataSource(jdbcUrl, user, password)
                .locations("classpath:db/migration")
                .load()
                .migrate();
    }

    /**
     * Whether a failure means the database cannot be reached now (no connection within the timeout, connection lost,
     * server shutting down or starting): callers answer "unavailable, retry later" (HTTP 503) rather than an error.
     */
    public static boolean isUnavailable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof java.sql.SQLTransientConnectionException || t instanceof java.sql.SQLNonTransientConnectionException) {
                return true;
            }
            if (t.getCause() == t) break;
        }
        return SqlStates.inClass(failure, SqlStates.CONNECTION_EXCEPTION_CLASS) || SqlStates.inClass(failure, SqlStates.OPERATOR_INTERVENTION_CLASS);
    }

    public <T> T repository(Class<T> type) {
        return type.cast(repositories.computeIfAbsent(type, context::getBean));
    }

    /** Micronaut's transaction-aware DataSource: connections only inside {@link #inTransaction} or repositories. */
    public DataSource dataSource() {
        return context.getBean(DataSource.class);
    }

    /**
     * The pool itself, not Micronaut's transaction-bound proxy (which insists on a surrounding transaction):
     * plain JDBC reads take a pooled connection each and close it.
     */
    public DataSource pooledDataSource() {
        DataSource ds = dataSource();
        return context.findBean(io.micronaut.jdbc.DataSourceResolver.class).map(r -> r.resolve(ds)).orElse(ds);
    }

    /** Runs the work in one database transaction (commit on return, rollback on exception). */
    @SuppressWarnings("unchecked")
    public <T> T inTransaction(Function<Connection, T> work) {
        TransactionOperations<Connection> tx = transactions;
        if (tx == null) transactions = tx = context.getBean(TransactionOperations.class);
        return tx.executeWrite(status -> work.apply(status.getConnection()));
    }

    public ApplicationContext context() {
        return context;
    }

    @Override
    public void close() {
        context.close();
    }
}
