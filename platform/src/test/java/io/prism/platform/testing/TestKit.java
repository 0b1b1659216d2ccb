package io.prism.platform.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Test helpers every module's tests share, so each is written once. */
public final class TestKit {
    private TestKit() {}

    /** Waits until {@code condition} holds, polling every 100 ms; fails naming {@code what} after {@code timeout}. */
    public static void await(String what, Duration timeout, BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            Thread.sleep(100);
        }
    }
}
