package io.prism.engine.train;

import java.io.PrintStream;

/** A text progress bar: step, loss, learning rate, step rate and ETA, at most one line every two seconds. */
public final class ProgressBar {
    private final PrintStream out;
    private final String name;
    private final int total;
    private long lastPrint;

    public ProgressBar(PrintStream out, String name, int total) {
        this.out = out;
        this.name = name;
        this.total = total;
    }

    public void update(int step, double loss, double lr, double gradNorm, double seconds, int stepsThisRun) {
        long now = System.nanoTime();
        if (now - lastPrint < 2_000_000_000L && step != total) return;
        lastPrint = now;
        double rate = stepsThisRun / Math.max(1e-9, seconds);
        long eta = (long) ((total - step) / Math.max(1e-9, rate));
        int width = 24, filled = (int) ((long) width * step / total);
        out.printf("[%s] %s%s %d/%d loss %.5f lr %.2e |g| %.3f %.2f step/s ETA %dm%02ds%n", name,
                "#".repeat(filled), ".".repeat(width - filled), step, total, loss, lr, gradNorm, rate, eta / 60, eta % 60);
    }

    public void done() {
        out.flush();
    }
}
