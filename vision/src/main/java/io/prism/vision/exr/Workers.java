package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/** Daemon threads for parallel chunk coding, shared by readers and writers. */
final class Workers {
    private static final AtomicInteger COUNT = new AtomicInteger();
    static final ExecutorService POOL = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "exr-codec-" + COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private Workers() {
    }

    /** Waits for a task and rethrows what it threw as it was. */
    static void await(Future<?> f) throws IOException {
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ImageFormatException("interrupted while decoding", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }
}
