package io.prism.platform.db;

import java.sql.SQLException;

/**
 * The PostgreSQL SQL states Prism acts on, and the one way to find one in a failure's cause chain. Named here once so
 * that no service compares against a bare {@code "23505"}.
 */
public final class SqlStates {
    /** {@code unique_violation}: the row is there already (an idempotent insert lost a race). */
    public static final String UNIQUE_VIOLATION = "23505";
    /** {@code foreign_key_violation}: the row it refers to is gone (or was never there). */
    public static final String FOREIGN_KEY_VIOLATION = "23503";
    /** Class 08, connection exception: the server cannot be reached or the connection broke. */
    public static final String CONNECTION_EXCEPTION_CLASS = "08";
    /** Class 57P, operator intervention: the server is shutting down or starting. */
    public static final String OPERATOR_INTERVENTION_CLASS = "57P";

    private SqlStates() {}

    /** Whether an {@link SQLException} with exactly this state is in {@code failure}'s cause chain. */
    public static boolean is(Throwable failure, String state) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && state.equals(s.getSQLState())) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }

    /** Whether an {@link SQLException} whose state starts with {@code stateClass} is in {@code failure}'s cause chain. */
    public static boolean inClass(Throwable failure, String stateClass) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && s.getSQLState() != null && s.getSQLState().startsWith(stateClass)) return true;
            if (t.getCause() == t) break;
        }
        return false;
    }
}
