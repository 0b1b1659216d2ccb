package io.prism.platform.infra;

import io.prism.platform.config.PlatformConfig;

/** Kafka and PostgreSQL run by someone else (operators in production): the settings come from the environment. */
public final class ExternalInfrastructure implements Infrastructure {
    private final PlatformConfig config;

    public ExternalInfrastructure(PlatformConfig config) {
        this.config = config;
    }

    @Override
    public ExternalInfrastructure start() {
        return this;
    }

    @Override
    public String kafkaBootstrapServers() {
        return config.kafkaBootstrap();
    }

    @Override
    public String jdbcUrl() {
        return config.jdbcUrl();
    }

    @Override
    public String dbUser() {
        return config.dbUser();
    }

    @Override
    public String dbPassword() {
        return config.dbPassword();
    }

    @Override
    public String describe() {
        return "external (Kafka " + kafkaBootstrapServers() + ", PostgreSQL " + jdbcUrl() + ")";
    }

    @Override
    public void close() {}
}
