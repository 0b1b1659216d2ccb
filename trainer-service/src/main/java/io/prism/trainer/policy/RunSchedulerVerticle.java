package io.prism.trainer.policy;

import io.prism.trainer.run.RunExecutor;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: check the policy of every task periodically and run what is due. Runs take minutes to hours, so they
 * go to a thread per task of this verticle's own, never to the event loop or Vert.x's worker pool.
 */
public final class RunSchedulerVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(RunSchedulerVerticle.class);
    private final RunExecutor executor;
    private final List<String> tasks;
    private final Duration interval;
    private ExecutorService threads;
    private long timer = -1;

    public RunSchedulerVerticle(RunExecutor executor, List<String> tasks, Duration interval) {
        this.executor = executor;
        this.tasks = List.copyOf(tasks);
        this.interval = interval;
    }

    @Override
    public void start(Promise<Void> startPromise) {
        threads = Executors.newFixedThreadPool(Math.max(1, tasks.size()), r -> {
            Thread t = new Thread(r, "trainer-run");
            t.setDaemon(true);
            return t;
        });
        timer = vertx.setPeriodic(Math.min(1000, interval.toMillis()), interval.toMillis(), id -> checkAll());
        startPromise.complete();
    }

    private void checkAll() {
        for (String task : tasks) {
            if (executor.busy(task)) continue;
            threads.submit(() -> {
                RunExecutor.TickResult r = executor.tick(task);
                if (r.outcome() == RunExecutor.Outcome.IDLE || r.outcome() == RunExecutor.Outcome.BUSY) {
                    LOG.debug("event=policy-checked task={} outcome={} detail=\"{}\"", task, r.outcome(), r.detail());
                } else {
                    LOG.info("event=policy-checked task={} outcome={} run={} detail=\"{}\"", task, r.outcome(), r.runId(), r.detail());
                }
            });
        }
    }

    @Override
    public void stop() throws InterruptedException {
        if (timer >= 0) vertx.cancelTimer(timer);
        executor.stop();
        threads.shutdown();
        threads.awaitTermination(30, TimeUnit.SECONDS);
    }
}
