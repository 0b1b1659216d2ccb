package io.prism.ingest;

import io.prism.ingest.http.IngestHttpVerticle;
import io.prism.ingest.submit.Submissions;
import io.prism.ingest.validate.ImageInspector;
import io.prism.ingest.validate.RenderRoots;
import io.prism.ingest.watch.WatchFolderVerticle;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.health.Health;
import io.prism.platform.outbox.OutboxRelay;
import io.prism.platform.service.PrismService;
import io.prism.platform.service.ServiceContext;
import io.prism.platform.topics.TopicAdmin;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ingest-service: takes frames from the render farm. Deploys three verticles, each with one job: the HTTP API, the
 * watch folder (when render roots are configured) and platform's {@link OutboxRelay}, which moves committed events
 * from PostgreSQL to Kafka. A periodic check keeps the readiness probe and the outbox-lag gauges current without
 * ever touching the database from the event loop.
 */
public final class IngestService implements PrismService {
    private static final Logger LOG = LoggerFactory.getLogger(IngestService.class);
    public static final String NAME = "ingest-service";

    private final IngestConfig fixedConfig;
    private final List<String> deployments = new ArrayList<>();
    private Vertx vertx;
    private IngestHttpVerticle http;
    private long monitorTimer = -1;

    /** The ServiceLoader constructor: configuration from the context's environment. */
    public IngestService() {
        this(null);
    }

    /** With an explicit configuration (tests, benchmarks). */
    public IngestService(IngestConfig config) {
        this.fixedConfig = config;
    }

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Future<Void> deploy(ServiceContext ctx) {
        IngestConfig config = fixedConfig != null ? fixedConfig : IngestConfig.from(ctx.env());
        vertx = ctx.vertx();
        if (config.usesDevToken()) {
            LOG.warn("event=ingest-dev-token reason=\"PRISM_TOKENS is not set; the development token 'prism-dev-token' "
                    + "is accepted with every scope. Set PRISM_TOKENS in production.\"");
        }
        IngestMetrics metrics = new IngestMetrics(ctx.meters());
        Health health = ctx.health();
        return vertx.executeBlocking(() -> {
            Files.createDirectories(config.tmpDir());
            TopicAdmin.ensureTopics(ctx.config().kafkaBootstrap());
            RenderRoots roots = new RenderRoots(config.renderRoots());
            ImageInspector inspector = new ImageInspector(config.maxUploadBytes(), config.maxPixels(),
                    config.maxChannels(), config.validateConcurrency());
            Submissions submissions = new Submissions(ctx.database(), ctx.blobs(), inspector, metrics,
                    config.albedoLayers(), config.maskLayers());
            checkOutbox(ctx, metrics);
            return new Object[] {roots, submissions};
        }).compose(parts -> {
            RenderRoots roots = (RenderRoots) parts[0];
            Submissions submissions = (Submissions) parts[1];
            http = new IngestHttpVerticle(config, submissions, roots, ctx.database(), health, ctx.meters(), metrics);
            Future<String> f = Future.succeededFuture("");
            if (config.runRelay()) {
                f = vertx.deployVerticle(new OutboxRelay(ctx.database(), ctx.config().kafkaBootstrap(), ctx.meters()))
                        .onSuccess(deployments::add);
            }
            f = f.compose(x -> vertx.deployVerticle(http).onSuccess(deployments::add));
            if (config.watchEnabled() && !roots.isEmpty()) {
                f = f.compose(x -> vertx.deployVerticle(new WatchFolderVerticle(config, roots, submissions,
                        ctx.database(), metrics)).onSuccess(deployments::add));
            }
            return f;
        }).onSuccess(x -> {
            monitorTimer = vertx.setPeriodic(2000, t -> vertx.executeBlocking(() -> {
                checkOutbox(ctx, metrics);
                return null;
            }, true));
            LOG.info("event=service-ready service={} port={} roots={} watch={} relay={}", NAME, http.port(),
                    config.renderRoots(), config.watchEnabled() && !config.renderRoots().isEmpty(), config.runRelay());
        }).mapEmpty();
    }

    private static void checkOutbox(ServiceContext ctx, IngestMetrics metrics) {
        try {
            OutboxRepository outbox = ctx.database().repository(OutboxRepository.class);
            metrics.outbox(outbox.countPending(), outbox.oldestPendingAgeMs());
        } catch (RuntimeException e) {
            LOG.warn("event=ingest-db-check-failed reason={}", e.toString());
        }
    }

    /** The HTTP port actually bound (useful with PRISM_INGEST_PORT=0). */
    public int httpPort() {
        return http == null ? -1 : http.port();
    }

    @Override
    public Future<Void> undeploy() {
        if (vertx == null) return Future.succeededFuture();
        if (monitorTimer >= 0) vertx.cancelTimer(monitorTimer);
        // Reverse order, one after the other: stop taking work (watch folder, HTTP) before the relay that drains it.
        Future<Void> f = Future.succeededFuture();
        for (int i = deployments.size() - 1; i >= 0; i--) {
            String id = deployments.get(i);
            f = f.eventually(() -> vertx.undeploy(id));
        }
        deployments.clear();
        return f;
    }
}
