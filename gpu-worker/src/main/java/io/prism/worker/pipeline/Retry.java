package io.prism.worker.pipeline;

import io.prism.worker.WorkerConfig;
import java.util.concurrent.Callable;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Retries transient work (database, broker, storage outages) with exponential backoff until it succeeds or the worker stops. */
public final class Retry {
    private static final Logger LOG = LoggerFactory.getLogger(Retry.class);

    private Retry() {}

    /** Thrown when the worker stops while waiting: the frame stays uncommitted and is redelivered. */
    public static final class Abandoned extends Exception {
        Abandoned(String what) {
            super("abandoned while stopping: " + what);
        }
    }

    /** A failure that retrying cannot fix. */
    public static final class Permanent extends Exception {
        public final String reason;

        Permanent(String reason, String detail, Throwable cause) {
            super(detail, cause);
            this.reason = reason;
        }
    }

    public static <T> T forever(String what, WorkerConfig cfg, BooleanSupplier stopping, Callable<T> work) throws Abandoned, Permanent {
        for (int attempt = 1; ; attempt++) {
            if (stopping.getAsBoolean()) throw new Abandoned(what);
            try {
                return work.call();
            } catch (Permanent p) {
                throw p;
            } catch (Exception e) {
                long delay = cfg.retryBackoff().delayMs(attempt);
                LOG.warn("event=retry what=\"{}\" attempt={} retryInMs={} reason=\"{}\"", what, attempt, delay, e.toString());
                try {
                    Thread.sleep(delay);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw new Abandoned(what);
                }
            }
        }
    }
}
