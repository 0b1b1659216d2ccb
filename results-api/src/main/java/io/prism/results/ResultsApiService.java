package io.prism.results;

import io.prism.platform.health.Health;
import io.prism.platform.outbox.OutboxRelay;
import io.prism.platform.service.PrismService;
import io.prism.platform.service.ServiceContext;
import io.prism.results.http.OpenApiDocument;
import io.prism.results.http.ResultsApiVerticle;
import io.prism.results.preview.PngPreviews;
import io.prism.results.reprocess.Reprocessor;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * results-api as a {@link PrismService}: {@code prism serve results-api} runs it alone, the all-in-one runtime
 * beside the other services. Deploys {@code PRISM_RESULTS_INSTANCES} HTTP verticles sharing the port and, unless
 * disabled, an {@link OutboxRelay} that publishes reprocess requests.
 */
public final class ResultsApiService implements PrismService {
    private static final Logger LOG = LoggerFactory.getLogger(ResultsApiService.class);
    private final ResultsApiConfig override;
    private final AtomicInteger port = new AtomicInteger(-1);
    private final List<String> deployments = new ArrayList<>();
    private ServiceContext context;

    public ResultsApiService() {
        this(null);
    }

    /** With a config of its own instead of one read from the context's environment (tests). */
    public ResultsApiService(ResultsApiConfig config) {
        this.override = config;
    }

    @Override
    public String name() {
        return "results-api";
    }

    /** The port the HTTP server listens on once deployed (useful with PRISM_RESULTS_PORT=0). */
    public int port() {
        return port.get();
    }

    @Override
    public Future<Void> deploy(ServiceContext ctx) {
        this.context = ctx;
        ResultsApiConfig configured = override != null ? override : ResultsApiConfig.from(ctx.env());
        // Port 0 would give each instance a port of its own: pick one free port for all of them to share.
        ResultsApiConfig config = configured.port() == 0 && configured.instances() > 1 ? configured.withPort(freePort()) : configured;
        if (config.developmentTokens()) {
            LOG.warn("event=results-api-dev-token reason=\"PRISM_TOKENS is not set; the development token 'prism-dev-token' "
                    + "is accepted with every scope. Set PRISM_TOKENS in production.\"");
        }
        Reprocessor reprocessor = new Reprocessor(ctx.database(), config.reprocessMaxFrames());
        PngPreviews previews = new PngPreviews(ctx.blobs(), config.previewMaxPixels(), config.previewCacheEntries());
        Health health = ctx.health();
        OpenApiDocument openApi = OpenApiDocument.load();
        Future<String> http = ctx.vertx().deployVerticle(
                () -> new ResultsApiVerticle(config, ctx.database(), reprocessor, ctx.blobs(), previews, health, ctx.meters(), openApi,
                        p -> port.compareAndSet(-1, p)),
                new DeploymentOptions().setInstances(config.instances()));
        Future<String> all = http.onSuccess(deployments::add);
        if (config.outboxRelay()) {
            all = all.compose(id -> ctx.vertx().deployVerticle(new OutboxRelay(ctx.database(), ctx.config().kafkaBootstrap(), ctx.meters())))
                    .onSuccess(deployments::add);
        }
        return all.onSuccess(id -> LOG.info("event=service-started service=results-api port={} instances={}", port(), config.instances()))
                .mapEmpty();
    }

    private static int freePort() {
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            return s.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException("no free port", e);
        }
    }

    /** The pool itself, for plain JDBC outside the repositories: the benchmark's and the tests' bulk loading. */
    public static javax.sql.DataSource plainDataSource(io.prism.platform.db.Database db) {
        return db.pooledDataSource();
    }

    @Override
    public Future<Void> undeploy() {
        if (context == null) return Future.succeededFuture();
        List<Future<Void>> fs = new ArrayList<>();
        for (String id : deployments) {
            fs.add(context.vertx().undeploy(id));
        }
        deployments.clear();
        return Future.all(fs).mapEmpty();
    }
}
