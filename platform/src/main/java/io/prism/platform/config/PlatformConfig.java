package io.prism.platform.config;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Where a service finds the shared infrastructure. Every service reads this plus its own config record.
 *
 * <table>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>PRISM_KAFKA_BOOTSTRAP</td><td>127.0.0.1:9092</td><td>Kafka bootstrap servers</td></tr>
 * <tr><td>PRISM_JDBC_URL</td><td>jdbc:postgresql://127.0.0.1:5432/prism</td><td>PostgreSQL</td></tr>
 * <tr><td>PRISM_DB_USER</td><td>postgres</td><td>database user</td></tr>
 * <tr><td>PRISM_DB_PASSWORD</td><td>postgres</td><td>database password</td></tr>
 * <tr><td>PRISM_DB_POOL_SIZE</td><td>8</td><td>JDBC connections per service</td></tr>
 * <tr><td>PRISM_DB_CONNECT_TIMEOUT</td><td>3s</td><td>longest wait for a database connection: during an outage
 *     requests fail this fast (API: 503 with Retry-After) instead of hanging</td></tr>
 * <tr><td>PRISM_DB_ALLOW_ASYNC_COMMIT</td><td>false</td><td>start even against a server that may lose acknowledged
 *     commits ({@code synchronous_commit=off} or {@code fsync=off}); for benchmarks only</td></tr>
 * <tr><td>PRISM_BLOB_STORE</td><td>file</td><td>{@code file} or {@code s3}</td></tr>
 * <tr><td>PRISM_BLOB_ROOT</td><td>.prism/blobs</td><td>root folder of the file blob store</td></tr>
 * <tr><td>PRISM_DATA_DIR</td><td>.prism</td><td>local state (embedded servers, caches)</td></tr>
 * </table>
 * The defaults match {@code prism infra} (the embedded broker and database) on one machine.
 */
public record PlatformConfig(String kafkaBootstrap, String jdbcUrl, String dbUser, String dbPassword, int dbPoolSize,
                             Duration dbConnectTimeout, boolean dbAllowAsyncCommit, String blobStore, Path blobRoot, Path dataDir, Env env) {

    public static PlatformConfig from(Env env) {
        Path dataDir = env.path("PRISM_DATA_DIR", Path.of(".prism"));
        return new PlatformConfig(
                env.str("PRISM_KAFKA_BOOTSTRAP", "127.0.0.1:9092"),
                env.str("PRISM_JDBC_URL", "jdbc:postgresql://127.0.0.1:5432/prism"),
                env.str("PRISM_DB_USER", "postgres"),
                env.str("PRISM_DB_PASSWORD", "postgres"),
                env.integer("PRISM_DB_POOL_SIZE", 8),
                env.duration("PRISM_DB_CONNECT_TIMEOUT", io.prism.platform.db.Database.DEFAULT_CONNECT_TIMEOUT),
                env.bool(io.prism.platform.db.DurabilityCheck.ALLOW_ASYNC_COMMIT, false),
                env.str("PRISM_BLOB_STORE", "file"),
                env.path("PRISM_BLOB_ROOT", dataDir.resolve("blobs")),
                dataDir,
                env);
    }

    /** Points the config at running infrastructure (embedded, containers or external). */
    public PlatformConfig withInfrastructure(String kafkaBootstrap, String jdbcUrl, String user, String password) {
        return new PlatformConfig(kafkaBootstrap, jdbcUrl, user, password, dbPoolSize, dbConnectTimeout, dbAllowAsyncCommit, blobStore, blobRoot, dataDir, env);
    }

    public PlatformConfig withBlobRoot(Path root) {
        return new PlatformConfig(kafkaBootstrap, jdbcUrl, dbUser, dbPassword, dbPoolSize, dbConnectTimeout, dbAllowAsyncCommit, blobStore, root, dataDir, env);
    }
}
