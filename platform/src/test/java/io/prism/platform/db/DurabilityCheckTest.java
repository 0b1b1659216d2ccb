package io.prism.platform.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.infra.EmbeddedPostgresServer;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded PostgreSQL keeps acknowledged commits, and a service refuses a server (or database) that would lose
 * them unless {@code PRISM_DB_ALLOW_ASYNC_COMMIT=true}. A server of its own: the test changes server-wide settings.
 */
class DurabilityCheckTest {
    @TempDir
    static Path dir;
    static EmbeddedPostgresServer pg;

    @BeforeAll
    static void start() throws Exception {
        pg = new EmbeddedPostgresServer(dir.resolve("pg"), EmbeddedInfrastructure.freePort()).start();
    }

    @AfterAll
    static void stop() {
        pg.stop();
    }

    @Test
    void embeddedServerCommitsSynchronouslyAndServicesStartOnIt() throws Exception {
        try (Connection c = connect(pg.jdbcUrl())) {
            assertThat(DurabilityCheck.read(c)).isEqualTo(new DurabilityCheck.Settings("on", "on"));
        }
        try (Database db = Database.start(config(pg.jdbcUrl(), Map.of()))) {
            assertThat(db.repository(OutboxRepository.class).count()).isZero();
        }
    }

    @Test
    void databaseWithAsynchronousCommitIsRefusedUnlessAllowed() throws Exception {
        String url = database("async_commit");
        exec(pg.jdbcUrl(), "ALTER DATABASE async_commit SET synchronous_commit = off");

        assertThatThrownBy(() -> Database.start(config(url, Map.of())))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("would lose acknowledged commits")
                .hasMessageContaining("synchronous_commit=off")
                .hasMessageContaining("PRISM_DB_ALLOW_ASYNC_COMMIT=true")
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
        try (Database db = Database.start(config(url, Map.of(DurabilityCheck.ALLOW_ASYNC_COMMIT, "true")))) {
            assertThat(db.repository(OutboxRepository.class).count()).as("allowed for a benchmark").isZero();
        }
    }

    @Test
    void serverWithoutFsyncIsRefused() throws Exception {
        // fsync is a server-wide setting given on the command line: a second server, the way zonky runs by default.
        try (EmbeddedPostgres unsafe = EmbeddedPostgres.builder().setDataDirectory(dir.resolve("unsafe"))
                .setServerConfig("fsync", "off").setServerConfig("synchronous_commit", "on").start()) {
            String url = unsafe.getJdbcUrl(EmbeddedPostgresServer.USER, "postgres");
            assertThatThrownBy(() -> Database.start(url, EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD, 2))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("synchronous_commit=on, fsync=off");
        }
    }

    private static PlatformConfig config(String url, Map<String, String> env) {
        return PlatformConfig.from(new Env(env)).withInfrastructure("127.0.0.1:1", url, EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD);
    }

    private static String database(String name) throws Exception {
        exec(pg.jdbcUrl(), "CREATE DATABASE " + name);
        return pg.jdbcUrl().substring(0, pg.jdbcUrl().lastIndexOf('/') + 1) + name;
    }

    private static Connection connect(String url) throws Exception {
        return DriverManager.getConnection(url, EmbeddedPostgresServer.USER, EmbeddedPostgresServer.PASSWORD);
    }

    private static void exec(String url, String sql) throws Exception {
        try (Connection c = connect(url); Statement s = c.createStatement()) {
            s.execute(sql);
        }
    }
}
