package io.prism.trainer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.service.PrismService;
import io.prism.platform.service.ServiceContext;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Prism service deployed in this JVM as {@code prism serve} does, with its own environment and Vert.x but the
 * database, blob root and broker of {@code shared}: the common part of {@link TrainerInstance} and {@link WorkerInstance}.
 */
final class DeployedService<S extends PrismService> implements AutoCloseable {
    final Vertx vertx;
    final ServiceContext context;
    final S service;

    private DeployedService(Vertx vertx, ServiceContext context, S service) {
        this.vertx = vertx;
        this.context = context;
        this.service = service;
    }

    static <S extends PrismService> DeployedService<S> start(S service, PlatformConfig shared, Map<String, String> env) throws Exception {
        PlatformConfig pc = PlatformConfig.from(new Env(env))
                .withInfrastructure(shared.kafkaBootstrap(), shared.jdbcUrl(), shared.dbUser(), shared.dbPassword())
                .withBlobRoot(shared.blobRoot());
        Vertx vertx = Vertx.vertx();
        ServiceContext ctx = new ServiceContext(vertx, pc, Database.start(pc.jdbcUrl(), pc.dbUser(), pc.dbPassword(), 4),
                ServiceContext.openBlobStore(pc), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        service.deploy(ctx).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        return new DeployedService<>(vertx, ctx, service);
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
