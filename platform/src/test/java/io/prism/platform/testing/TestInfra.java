package io.prism.platform.testing;

import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.infra.ContainerInfrastructure;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.infra.Infrastructure;
import io.prism.platform.topics.TopicAdmin;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import java.util.UUID;

/**
 * The real broker and database for tests, one per test JVM: Testcontainers where a Docker engine runs (unless
 * {@code PRISM_TEST_INFRA=embedded}), otherwise the embedded Kafka + PostgreSQL. Each test class can ask for a
 * database of its own ({@link #freshDatabase()}) so row counts are its own.
 */
public final class TestInfra {
    private static Infrastructure shared;
    private static EmbeddedInfrastructure embedded;

    private TestInfra() {}

    /** The shared infrastructure, started on first use and stopped when the JVM exits. */
    public static synchronized Infrastructure shared() {
        if (shared == null) {
            String mode = System.getenv().getOrDefault("PRISM_TEST_INFRA", "auto");
            try {
                if (!"embedded".equals(mode) && ContainerInfrastructure.dockerAvailable()) {
                    shared = new ContainerInfrastructure().start();
                } else {
                    shared = embedded();
                }
                TopicAdmin.ensureTopics(shared.kafkaBootstrapServers());
            } catch (Exception e) {
                throw new IllegalStateException("cannot start test infrastructure", e);
            }
            Infrastructure s = shared;
            Runtime.getRuntime().addShutdownHook(new Thread(s::close, "test-infra-stop"));
        }
        return shared;
    }

    /**
     * Embedded servers, always (fault tests stop and restart them). Shared with {@link #shared()} when that
     * is embedded too.
     */
    public static synchronized EmbeddedInfrastructure embedded() {
        if (embedded == null) {
            try {
                Path dir = Files.createTempDirectory("prism-test-infra-");
                embedded = new EmbeddedInfrastructure(dir).start();
                TopicAdmin.ensureTopics(embedded.kafkaBootstrapServers());
            } catch (Exception e) {
                throw new IllegalStateException("cannot start embedded Kafka/PostgreSQL", e);
            }
            EmbeddedInfrastructure e = embedded;
            Runtime.getRuntime().addShutdownHook(new Thread(e::close, "embedded-infra-stop"));
        }
        return embedded;
    }

    /** A new, empty database on the shared server; returns its JDBC URL. */
    public static String freshDatabase() {
        return freshDatabase(shared());
    }

    public static String freshDatabase(Infrastructure infra) {
        String name = "t_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
        try (Connection c = DriverManager.getConnection(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword());
             Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create test database", e);
        }
        String url = infra.jdbcUrl();
        int slash = url.lastIndexOf('/');
        int q = url.indexOf('?', slash);
        return url.substring(0, slash + 1) + name + (q > 0 ? url.substring(q) : "");
    }

    /** A platform config pointing at the shared infrastructure, a fresh database and a blob folder of its own. */
    public static PlatformConfig platformConfig(Path blobRoot) {
        return platformConfig(shared(), blobRoot, Map.of());
    }

    public static PlatformConfig platformConfig(Infrastructure infra, Path blobRoot, Map<String, String> env) {
        Env e = new Env(env);
        return PlatformConfig.from(e)
                .withInfrastructure(infra.kafkaBootstrapServers(), freshDatabase(infra), infra.dbUser(), infra.dbPassword())
                .withBlobRoot(blobRoot);
    }
}
