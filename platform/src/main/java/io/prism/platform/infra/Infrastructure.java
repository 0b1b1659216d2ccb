package io.prism.platform.infra;

import io.prism.platform.config.PlatformConfig;

/**
 * Kafka plus PostgreSQL, however they are provided: in this JVM ({@link EmbeddedInfrastructure}), in containers
 * ({@link ContainerInfrastructure}, where a Docker engine exists) or run by someone else ({@link ExternalInfrastructure},
 * how production runs). Services only see the connection settings.
 */
public interface Infrastructure extends AutoCloseable {

    /** Starts (or connects to) both servers; idempotent. */
    Infrastructure start() throws Exception;

    String kafkaBootstrapServers();

    String jdbcUrl();

    String dbUser();

    String dbPassword();

    /** A short description for logs and {@code prism infra}. */
    String describe();

    /** The platform config pointed at these servers. */
    default PlatformConfig applyTo(PlatformConfig config) {
        return config.withInfrastructure(kafkaBootstrapServers(), jdbcUrl(), dbUser(), dbPassword());
    }

    @Override
    void close();
}
