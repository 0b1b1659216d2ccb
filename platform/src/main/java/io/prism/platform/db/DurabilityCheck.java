package io.prism.platform.db;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Refuses a PostgreSQL server that would lose acknowledged commits on a crash. Prism acknowledges a frame (HTTP 202),
 * a Kafka offset or a promotion only after its transaction committed, which is a promise only when the commit is on
 * disk: {@code fsync=on} and {@code synchronous_commit} not {@code off} (as the session sees it, so per-database and
 * per-role settings count). {@code PRISM_DB_ALLOW_ASYNC_COMMIT=true} lets a benchmark run against such a server anyway.
 */
public final class DurabilityCheck {
    /** The configuration variable that allows a server which may lose acknowledged commits. */
    public static final String ALLOW_ASYNC_COMMIT = "PRISM_DB_ALLOW_ASYNC_COMMIT";

    private DurabilityCheck() {}

    /** The server's settings as this session sees them. */
    public record Settings(String synchronousCommit, String fsync) {
        public boolean durable() {
            return "on".equalsIgnoreCase(fsync) && !"off".equalsIgnoreCase(synchronousCommit);
        }
    }

    public static Settings read(Connection c) throws SQLException {
        try (Statement s = c.createStatement()) {
            return new Settings(show(s, "synchronous_commit"), show(s, "fsync"));
        }
    }

    /** Connects once and throws {@link IllegalStateException} with a one-line reason unless the server is durable or allowed. */
    public static Settings verify(String jdbcUrl, String user, String password, boolean allowAsyncCommit) {
        Settings settings;
        try (Connection c = DriverManager.getConnection(jdbcUrl, user, password)) {
            settings = read(c);
        } catch (SQLException e) {
            throw new IllegalStateException("cannot check the durability settings of " + jdbcUrl + ": " + e.getMessage(), e);
        }
        if (!settings.durable() && !allowAsyncCommit) {
            throw new IllegalStateException("PostgreSQL at " + jdbcUrl + " would lose acknowledged commits on a crash (synchronous_commit="
                    + settings.synchronousCommit() + ", fsync=" + settings.fsync() + "): set synchronous_commit=on and fsync=on, or "
                    + ALLOW_ASYNC_COMMIT + "=true for benchmarks only");
        }
        return settings;
    }

    private static String show(Statement s, String setting) throws SQLException {
        try (ResultSet rs = s.executeQuery("SHOW " + setting)) {
            rs.next();
            return rs.getString(1);
        }
    }
}
