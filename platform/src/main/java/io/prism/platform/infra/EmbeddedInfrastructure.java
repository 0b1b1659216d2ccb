package io.prism.platform.infra;

import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;

/**
 * Kafka and PostgreSQL in this JVM with all their data under one folder ({@code <dir>/kafka}, {@code <dir>/postgres}).
 * The default for {@code prism infra}, {@code prism demo} and the tests on machines without Docker.
 */
public final class EmbeddedInfrastructure implements Infrastructure {
    private final EmbeddedKafka kafka;
    private final EmbeddedPostgresServer postgres;

    /** Fixed ports (0 = pick a free one now, kept across restarts). */
    public EmbeddedInfrastructure(Path dir, int kafkaPort, int postgresPort) {
        int kp = kafkaPort > 0 ? kafkaPort : freePort();
        this.kafka = new EmbeddedKafka(dir.resolve("kafka"), kp, freePort());
        this.postgres = new EmbeddedPostgresServer(dir.resolve("postgres"), postgresPort > 0 ? postgresPort : freePort());
    }

    public EmbeddedInfrastructure(Path dir) {
        this(dir, 0, 0);
    }

    @Override
    public synchronized EmbeddedInfrastructure start() throws Exception {
        // Start both at once: PostgreSQL's initdb and Kafka's start-up each take a few seconds.
        var pgStart = new java.util.concurrent.CompletableFuture<Void>();
        Thread t = new Thread(() -> {
            try {
                postgres.start();
                pgStart.complete(null);
            } catch (Throwable e) {
                pgStart.completeExceptionally(e);
            }
        }, "postgres-start");
        t.start();
        kafka.start();
        try {
            pgStart.get();
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException("embedded PostgreSQL failed to start: " + e.getCause().getMessage(), e.getCause());
        }
        return this;
    }

    public EmbeddedKafka kafka() {
        return kafka;
    }

    public EmbeddedPostgresServer postgres() {
        return postgres;
    }

    @Override
    public String kafkaBootstrapServers() {
        return kafka.bootstrapServers();
    }

    @Override
    public String jdbcUrl() {
        return postgres.jdbcUrl();
    }

    @Override
    public String dbUser() {
        return EmbeddedPostgresServer.USER;
    }

    @Override
    public String dbPassword() {
        return EmbeddedPostgresServer.PASSWORD;
    }

    @Override
    public String describe() {
        return "embedded (Kafka " + kafkaBootstrapServers() + ", PostgreSQL " + jdbcUrl() + ")";
    }

    @Override
    public void close() {
        kafka.stop();
        postgres.stop();
    }

    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0)) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }
}
