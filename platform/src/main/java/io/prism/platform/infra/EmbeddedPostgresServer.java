package io.prism.platform.infra;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL 17 server (zonky's packaged binaries) with its data directory kept under Prism's data folder,
 * so data survives a {@link #stop()} / {@link #start()} cycle and a restart of {@code prism infra}. It runs with
 * {@code fsync=on} and {@code synchronous_commit=on}, so a commit is on disk before the client hears of it.
 */
public final class EmbeddedPostgresServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedPostgresServer.class);
    public static final String DATABASE = "prism";
    public static final String USER = "postgres";
    public static final String PASSWORD = "postgres";
    private final Path dataDir;
    private final int port;
    private EmbeddedPostgres pg;

    public EmbeddedPostgresServer(Path dataDir, int port) {
        this.dataDir = dataDir.toAbsolutePath();
        this.port = port;
    }

    public synchronized EmbeddedPostgresServer start() throws Exception {
        if (pg != null) {
            return this;
        }
        Files.createDirectories(dataDir);
        long t0 = System.nanoTime();
        pg = EmbeddedPostgres.builder()
                .setDataDirectory(dataDir)
                .setCleanDataDirectory(false)
                .setPort(port)
                .setServerConfig("max_connections", "200")
                .setServerConfig("shared_buffers", "128MB")
                // An acknowledged commit must survive a crash: zonky's defaults (synchronous_commit=off) do not.
                .setServerConfig("fsync", "on")
                .setServerConfig("synchronous_commit", "on")
                .setServerConfig("full_page_writes", "on")
                .start();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            ResultSet rs = s.executeQuery("SELECT 1 FROM pg_database WHERE datname = '" + DATABASE + "'");
            if (!rs.next()) {
                s.execute("CREATE DATABASE " + DATABASE);
            }
        }
        LOG.info("event=postgres-started url={} dataDir={} ms={}", jdbcUrl(), dataDir, (System.nanoTime() - t0) / 1_000_000);
        return this;
    }

    public String jdbcUrl() {
        return "jdbc:postgresql://127.0.0.1:" + port + "/" + DATABASE;
    }

    public int port() {
        return port;
    }

    public synchronized boolean isRunning() {
        return pg != null;
    }

    /** Stops the server, keeping its data directory. */
    public synchronized void stop() {
        if (pg == null) {
            return;
        }
        try {
            pg.close();
        } catch (Exception e) {
            LOG.warn("event=postgres-stop-failed reason={}", e.toString());
        }
        pg = null;
        LOG.info("event=postgres-stopped port={}", port);
    }

    @Override
    public void close() {
        stop();
    }
}
