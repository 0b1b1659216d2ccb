package io.prism.trainer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.service.ServiceContext;
import io.prism.worker.GpuWorkerService;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A real gpu-worker in this JVM on the same database, blob store and broker: it follows prism.models.v1. */
final class WorkerInstance implements AutoCloseable {
    private final Vertx vertx;
    private final ServiceContext context;
    private final GpuWorkerService service;

    private WorkerInstance(Vertx vertx, ServiceContext context, GpuWorkerService service) {
        this.vertx = vertx;
        this.context = context;
        this.service = service;
    }

    static WorkerInstance start(PlatformConfig shared, Map<String, String> env) throws Exception {
        PlatformConfig pc = PlatformConfig.from(new Env(env))
                .withInfrastructure(shared.kafkaBootstrap(), shared.jdbcUrl(), shared.dbUser(), shared.dbPassword())
                .withBlobRoot(shared.blobRoot());
        Vertx vertx = Vertx.vertx();
        ServiceContext ctx = new ServiceContext(vertx, pc, Database.start(pc.jdbcUrl(), pc.dbUser(), pc.dbPassword(), 4),
                ServiceContext.openBlobStore(pc), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        GpuWorkerService service = new GpuWorkerService();
        service.deploy(ctx).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        return new WorkerInstance(vertx, ctx, service);
    }

    int activeVersion(String task) {
        return service.worker().models().activeVersion(task);
    }

    @Override
    public void close() throws Exception {
        try {
            service.undeploy().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            context.close();
        }
    }
}
