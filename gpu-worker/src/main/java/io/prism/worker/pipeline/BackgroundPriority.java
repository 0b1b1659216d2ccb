package io.prism.worker.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the CPU priority (Linux nice value) of the threads that decode, encode and store frames, so that on a CPU
 * device they run on the cores inference leaves free and never preempt the inference thread — the worker's
 * bottleneck. Without it the scheduler shares a core evenly between inference and whichever side threads are
 * runnable, and inference slows by the side work's share. Raising one's own nice value needs no privilege; the JDK
 * has no call for it, so it runs {@code renice} once per thread. Where that is impossible (not Linux, no renice) the
 * worker logs it once and runs at normal priority.
 */
public final class BackgroundPriority {
    private static final Logger LOG = LoggerFactory.getLogger(BackgroundPriority.class);
    private static final ThreadLocal<Boolean> APPLIED = ThreadLocal.withInitial(() -> false);
    private static final AtomicBoolean WARNED = new AtomicBoolean();

    private BackgroundPriority() {
    }

    /** Gives the calling thread nice value {@code nice} (1..19) the first time it is called on that thread; 0 = off. */
    public static void apply(int nice) {
        if (nice <= 0 || APPLIED.get()) return;
        APPLIED.set(true);
        try {
            Path self = Files.readSymbolicLink(Path.of("/proc/thread-self")); // "<pid>/task/<tid>"
            String tid = self.getFileName().toString();
            Process p = new ProcessBuilder("renice", "-n", Integer.toString(Math.min(19, nice)), "-p", tid)
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
                warn("renice exited with " + (p.isAlive() ? "a timeout" : p.exitValue()) + ": " + out.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception | LinkageError e) {
            warn(e.toString());
        }
    }

    /** The calling thread's nice value, from /proc (tests); 0 where unknown. */
    public static int current() {
        try {
            String stat = Files.readString(Path.of("/proc/thread-self/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Integer.parseInt(f[16]); // field 19 of stat: nice
        } catch (Exception e) {
            return 0;
        }
    }

    private static void warn(String why) {
        if (WARNED.compareAndSet(false, true)) {
            LOG.warn("event=background-priority-unavailable reason=\"{}\" (side work runs at normal priority)", why);
        }
    }
}
