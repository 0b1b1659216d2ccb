package io.prism.trainer;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.service.ServiceContext;
import io.vertx.core.Vertx;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** One trainer-service instance in this JVM, deployed exactly as {@code prism serve trainer-service} does. */
final class TrainerInstance implements AutoCloseable {
    final Vertx vertx;
    final ServiceContext context;
    final TrainerService service;
    final TrainerStore store;

    private TrainerInstance(Vertx vertx, ServiceContext context, TrainerService service) {
        this.vertx = vertx;
        this.context = context;
        this.service = service;
        this.store = new TrainerStore(context.database());
    }

    /** Starts against the database and blob root of {@code shared}, with this instance's own environment. */
    static TrainerInstance start(PlatformConfig shared, Map<String, String> env) throws Exception {
        PlatformConfig pc = PlatformConfig.from(new Env(env))
                .withInfrastructure(shared.kafkaBootstrap(), shared.jdbcUrl(), shared.dbUser(), shared.dbPassword())
                .withBlobRoot(shared.blobRoot());
        Vertx vertx = Vertx.vertx();
        ServiceContext ctx = new ServiceContext(vertx, pc, Database.start(pc.jdbcUrl(), pc.dbUser(), pc.dbPassword(), 4),
                ServiceContext.openBlobStore(pc), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        TrainerService service = new TrainerService();
        service.deploy(ctx).toCompletionStage().toCompletableFuture().get(120, TimeUnit.SECONDS);
        return new TrainerInstance(vertx, ctx, service);
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
