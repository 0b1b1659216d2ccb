package io.prism.launcher.demo;

import java.io.PrintStream;

/**
 * What the demo shows on the console: one line per stage and, while it waits, its progress — a bar rewritten in place
 * where the console is a terminal, otherwise a plain line every 15 seconds (logs, CI). Service logs go to a file
 * ({@link ServiceLog}), never here.
 */
final class DemoConsole {
    private static final long BAR_INTERVAL_NANOS = 250_000_000L;
    private static final long LINE_INTERVAL_NANOS = 15_000_000_000L;
    private static final int BAR_WIDTH = 24;

    private final PrintStream out;
    private final boolean bar;
    private long lastUpdate;
    private int drawn;

    /** @param bar true to redraw one line in place (an interactive terminal) */
    DemoConsole(PrintStream out, boolean bar) {
        this.out = out;
        this.bar = bar;
    }

    /** Whether this process's console is an interactive terminal that can redraw a line. */
    static boolean interactive() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb");
    }

    /** A stage line ("prism demo: …"); clears the bar first. */
    synchronized void say(String line) {
        clearBar();
        out.println("prism demo: " + line);
        out.flush();
    }

    /** Plain text (the summary); clears the bar first. */
    synchronized void print(String text) {
        clearBar();
        out.print(text);
        out.flush();
    }

    /** Progress of {@code done} out of {@code total} frames plus a detail, at most every 250 ms (bar) or 15 s (lines). */
    synchronized void progress(long done, long total, String detail) {
        long now = System.nanoTime();
        if (lastUpdate != 0 && now - lastUpdate < (bar ? BAR_INTERVAL_NANOS : LINE_INTERVAL_NANOS)) return;
        lastUpdate = now;
        if (!bar) {
            out.printf("prism demo: %d/%d frames done, %s%n", done, total, detail);
            return;
        }
        int filled = total <= 0 ? 0 : (int) Math.min(BAR_WIDTH, BAR_WIDTH * done / total);
        String line = String.format("[%s%s] %d/%d frames  %s", "#".repeat(filled), ".".repeat(BAR_WIDTH - filled), done, total, detail);
        out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
        out.flush();
        drawn = line.length();
    }

    private void clearBar() {
        if (drawn == 0) return;
        out.print("\r" + " ".repeat(drawn) + "\r");
        drawn = 0;
        lastUpdate = 0;
    }
}
