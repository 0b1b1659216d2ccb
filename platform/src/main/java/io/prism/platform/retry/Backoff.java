package io.prism.platform.retry;

import java.time.Duration;

/**
 * How long to wait before retry number {@code n} of work that failed for a passing reason (database, broker or
 * storage outage): {@code first}, doubled on each further failure, never more than {@code max}. The same schedule
 * for every service, so an outage is ridden out the same way everywhere: quick first retries, then a steady pace
 * that does not hammer a recovering server.
 *
 * <p>Immutable; callers count their failures in a row and reset the count on success.
 */
public record Backoff(Duration first, Duration max) {
    /** Above this exponent the doubling has long passed any sensible {@code max}; it only guards the shift. */
    private static final int MAX_DOUBLINGS = 30;

    public Backoff {
        if (first == null || max == null || first.isNegative() || first.isZero()) {
            throw new IllegalArgumentException("back-off needs a positive first delay, got " + first);
        }
        if (max.compareTo(first) < 0) {
            throw new IllegalArgumentException("back-off max " + max + " is shorter than its first delay " + first);
        }
    }

    /** The delay before retry {@code attempt} (1-based: 1 is the retry after the first failure). */
    public Duration delay(int attempt) {
        return Duration.ofMillis(delayMs(attempt));
    }

    /** {@link #delay(int)} in milliseconds. */
    public long delayMs(int attempt) {
        int doublings = Math.min(MAX_DOUBLINGS, Math.max(0, attempt - 1));
        long ms = first.toMillis() << doublings;
        return ms <= 0 ? max.toMillis() : Math.min(ms, max.toMillis());
    }
}
