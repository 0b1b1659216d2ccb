package io.prism.results.db;

import io.micronaut.data.jdbc.runtime.JdbcOperations;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * A statement with its positional parameters, built up clause by clause: results-api's filtered listings add a
 * clause only for a filter that is set, so each combination gets a plan of its own that uses its index (no
 * {@code (:x IS NULL OR col = :x)} generic plan). Run through Micronaut Data's {@link JdbcOperations}.
 */
final class Sql {
    @FunctionalInterface
    interface RowReader<T> {
        T read(ResultSet rs) throws SQLException;
    }

    private final StringBuilder text = new StringBuilder();
    private final List<Object> params = new ArrayList<>();

    Sql(String text, Object... params) {
        append(text, params);
    }

    Sql append(String more, Object... ps) {
        text.append(more);
        params.addAll(List.of(ps));
        return this;
    }

    /** Runs the query on the connection of the surrounding {@code @Connectable} / transaction. */
    <T> List<T> query(JdbcOperations jdbc, RowReader<T> reader) {
        return jdbc.prepareStatement(text.toString(), ps -> {
            bind(ps);
            List<T> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.add(reader.read(rs));
                }
            }
            return out;
        });
    }

    /** Rows of a mapped entity ({@code SELECT *} of its table), read by Micronaut Data's entity mapping. */
    <E> List<E> entities(JdbcOperations jdbc, Class<E> type) {
        return query(jdbc, rs -> jdbc.readEntity(rs, type));
    }

    private void bind(PreparedStatement ps) throws SQLException {
        for (int i = 0; i < params.size(); i++) {
            ps.setObject(i + 1, params.get(i));
        }
    }

    /** The statement with its parameters as SQL literals (strings quoted, numbers as they are), for psql. */
    String inline() {
        StringBuilder out = new StringBuilder();
        int p = 0;
        String t = text.toString();
        for (int i = 0; i < t.length(); i++) {
            char ch = t.charAt(i);
            if (ch == '?') {
                Object v = params.get(p++);
                out.append(v instanceof Number ? v.toString() : "'" + String.valueOf(v).replace("'", "''") + "'");
            } else {
                out.append(ch);
            }
        }
        return out.toString();
    }

    @Override
    public String toString() {
        return text.toString();
    }
}
