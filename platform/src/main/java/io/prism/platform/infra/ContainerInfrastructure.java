package io.prism.platform.infra;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Kafka and PostgreSQL in Docker containers via Testcontainers — chosen where a Docker engine is available,
 * so tests also run against the official images. Same contract as {@link EmbeddedInfrastructure}.
 */
public final class ContainerInfrastructure implements Infrastructure {
    public static final String KAFKA_IMAGE = "apache/kafka:4.1.1";
    public static final String POSTGRES_IMAGE = "postgres:17-alpine";
    private KafkaContainer kafka;
    private PostgreSQLContainer postgres;

    /** True when a Docker engine answers; never throws. */
    public static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (Throwable e) {
            return false;
        }
    }

    @Override
    public synchronized ContainerInfrastructure start() {
        if (kafka == null) {
            kafka = new KafkaContainer(DockerImageName.parse(KAFKA_IMAGE));
            postgres = new PostgreSQLContainer(DockerImageName.parse(POSTGRES_IMAGE))
                    .withDatabaseName("prism").withUsername("prism").withPassword("prism")
                    // Testcontainers turns fsync off by default; Prism's services refuse such a server.
                    .withCommand("postgres", "-c", "fsync=on", "-c", "synchronous_commit=on");
            kafka.start();
            postgres.start();
        }
        return this;
    }

    @Override
    public String kafkaBootstrapServers() {
        return kafka.getBootstrapServers();
    }

    @Override
    public String jdbcUrl() {
        return postgres.getJdbcUrl();
    }

    @Override
    public String dbUser() {
        return postgres.getUsername();
    }

    @Override
    public String dbPassword() {
        return postgres.getPassword();
    }

    @Override
    public String describe() {
        return "containers (" + KAFKA_IMAGE + ", " + POSTGRES_IMAGE + ")";
    }

    @Override
    public synchronized void close() {
        if (kafka != null) kafka.stop();
        if (postgres != null) postgres.stop();
        kafka = null;
        postgres = null;
    }
}
