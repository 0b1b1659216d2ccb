package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;

import java.io.IOException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Daemon threads for parallel chunk coding, shared by all readers and writers: at most one per processor, so many
 * concurrent reads queue their extra ranges instead of multiplying threads. A caller always codes its own first
 * range itself, and tasks never wait for each other, so a full pool only slows things down.
 */
final class Workers {
    private static final AtomicInteger COUNT = new AtomicInteger();
    static final ExecutorService POOL;

    static {
        int n = Math.max(1, Runtime.getRuntime().availableProcessors());
        ThreadPoolExecutor pool = new ThreadPoolExecutor(n, n, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), r -> {
            Thread t = new Thread(r, "exr-codec-" + COUNT.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        POOL = pool;
    }

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
