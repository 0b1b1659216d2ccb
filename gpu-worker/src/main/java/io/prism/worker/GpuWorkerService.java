package io.prism.worker;

import io.prism.platform.service.PrismService;
import io.prism.platform.service.ServiceContext;
import io.prism.worker.inference.EngineBackend;
import io.vertx.core.Future;

/** {@code prism serve gpu-worker}: a {@link GpuWorker} with the DJL engine, configured by {@link WorkerConfig}. */
public final class GpuWorkerService implements PrismService {
    private volatile GpuWorker worker;

    @Override
    public String name() {
        return "gpu-worker";
    }

    @Override
    public Future<Void> deploy(ServiceContext ctx) {
        return ctx.vertx().executeBlocking(() -> {
            WorkerConfig cfg = WorkerConfig.from(ctx.env());
            worker = GpuWorker.start(ctx.vertx(), ctx.config(), cfg, ctx.database(), ctx.blobs(), ctx.meters(),
                    // PRISM_WORKER_DTYPE: fp32 (default) or fp16 on a GPU, for imported diffusers models
                    new EngineBackend(cfg.device(), cfg.threads(), ctx.env().str("PRISM_WORKER_DTYPE", "fp32")));
            return null;
        });
    }

    @Override
    public Future<Void> undeploy() {
        GpuWorker w = worker;
        if (w == null) return Future.succeededFuture();
        worker = null;
        return Future.fromCompletionStage(java.util.concurrent.CompletableFuture.runAsync(w::close));
    }

    public GpuWorker worker() {
        return worker;
    }
}
