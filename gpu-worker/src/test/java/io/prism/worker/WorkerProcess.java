package io.prism.worker;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.worker.inference.EngineBackend;
import io.vertx.core.Vertx;

/** A worker in a process of its own, configured from the environment, for tests that kill it (SIGKILL). */
public final class WorkerProcess {
    private WorkerProcess() {}

    public static void main(String[] args) throws Exception {
        Env env = Env.system();
        PlatformConfig platform = PlatformConfig.from(env);
        WorkerConfig cfg = WorkerConfig.from(env);
        Database db = Database.start(platform);
        GpuWorker.start(Vertx.vertx(), platform, cfg, db, new FileBlobStore(platform.blobRoot()),
                new PrometheusMeterRegistry(PrometheusConfig.DEFAULT), new EngineBackend(cfg.device(), cfg.threads()));
        System.out.println("WORKER-STARTED");
        Thread.currentThread().join();
    }
}
