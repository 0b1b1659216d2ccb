package io.prism.trainer.admin;

import io.prism.platform.auth.ApiTokens;
import io.prism.platform.auth.BearerAuth;
import io.prism.platform.auth.Scope;
import io.prism.platform.http.Problem;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.db.TrainingRunEntity;
import io.prism.platform.health.Health;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import io.prism.trainer.db.TrainingPairRepository;
import io.prism.trainer.db.TrainingRunRepository;
import io.prism.trainer.dataset.SplitBucket;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One job: serve the trainer's HTTP endpoints. Health and metrics are open; everything under {@code /admin} needs
 * {@code Authorization: Bearer <token>} of a token with the {@code admin} scope ({@link BearerAuth}); errors are
 * RFC 9457 problem documents ({@link Problem}).
 *
 * <ul>
 * <li>{@code GET /admin/models/{task}}: all versions, newest first</li>
 * <li>{@code POST /admin/models/{task}/promote} {@code {"version": n, "reason": "..."}}: make a version active
 *     (publishes ModelPromoted)</li>
 * <li>{@code POST /admin/models/{task}/rollback} {@code {"reason": "..."}}: back to the previous version
 *     (publishes ModelRolledBack); answers the version active again</li>
 * <li>{@code GET /admin/runs[?task=]}: recent training runs with progress, metrics and log</li>
 * <li>{@code GET /admin/pairs/stats}: pairs per show and style; {@code GET /admin/pairs/rejected}: refusals with reasons</li>
 * </ul>
 */
public final class AdminHttpVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(AdminHttpVerticle.class);
    private final String host;
    private final int port;
    private final BearerAuth auth;
    private final ModelRegistry registry;
    private final TrainingRunRepository runs;
    private final TrainingPairRepository pairs;
    private final double holdoutFraction;
    private final Health health;
    private final PrometheusMeterRegistry meters;
    private HttpServer server;

    public AdminHttpVerticle(String host, int port, ApiTokens tokens, ModelRegistry registry, TrainingRunRepository runs,
                             TrainingPairRepository pairs, double holdoutFraction,
                             Health health, PrometheusMeterRegistry meters) {
        this.host = host;
        this.port = port;
        this.auth = new BearerAuth(tokens);
        this.registry = registry;
        this.runs = runs;
        this.pairs = pairs;
        this.holdoutFraction = holdoutFraction;
        this.health = health;
        this.meters = meters;
    }

    /** The port actually bound (useful with port 0). */
    public int port() {
        return server == null ? port : server.actualPort();
    }

    @Override
    public void start(Promise<Void> startPromise) {
        Router router = Router.router(vertx);
        health.mount(router, meters);
        router.route("/admin/*").handler(auth.require(Scope.ADMIN));
        router.route("/admin/*").handler(BodyHandler.create().setBodyLimit(64 * 1024));
        router.get("/admin/models/:task").handler(ctx -> blocking(ctx, () -> versions(registry.list(ctx.pathParam("task")))));
        router.post("/admin/models/:task/promote").handler(ctx -> {
            JsonObject body = bodyOf(ctx);
            Integer version = body == null ? null : body.getInteger("version");
            if (version == null) {
                error(ctx, 400, "body must be {\"version\": n, \"reason\": \"...\"}");
                return;
            }
            String reason = reason(body, ctx, "promoted by hand");
            blocking(ctx, () -> version(registry.promote(ctx.pathParam("task"), version, reason)));
        });
        router.post("/admin/models/:task/rollback").handler(ctx -> {
            JsonObject body = bodyOf(ctx);
            String reason = reason(body, ctx, "rolled back by hand");
            blocking(ctx, () -> version(registry.rollback(ctx.pathParam("task"), reason)));
        });
        router.get("/admin/runs").handler(ctx -> blocking(ctx, () -> runs(runs.findNewest(ctx.queryParams().get("task"), 50))));
        router.get("/admin/pairs/stats").handler(ctx -> blocking(ctx, () ->
                pairStatistics(pairs.statistics(SplitBucket.threshold(holdoutFraction)))));
        router.get("/admin/pairs/rejected").handler(ctx -> blocking(ctx, () -> new JsonArray(pairs.findRejected(100).stream()
                .map(p -> new JsonObject().put("pairId", p.id().toString()).put("show", p.show()).put("style", p.style())
                        .put("reason", p.rejectReason()).put("receivedAt", p.receivedAt().toString())).toList())));
        vertx.createHttpServer().requestHandler(router).listen(port, host)
                .onSuccess(s -> {
                    server = s;
                    LOG.info("event=trainer-http-listening port={}", s.actualPort());
                    startPromise.complete();
                })
                .onFailure(startPromise::fail);
    }

    private static JsonObject bodyOf(RoutingContext ctx) {
        try {
            return ctx.body() == null || ctx.body().length() == 0 ? new JsonObject() : ctx.body().asJsonObject();
        } catch (RuntimeException e) {
            return null;
        }
    }

    private static String reason(JsonObject body, RoutingContext ctx, String def) {
        String r = body == null ? null : body.getString("reason");
        return (r == null || r.isBlank() ? def : r) + " (by " + BearerAuth.principal(ctx).name() + ")";
    }

    private void blocking(RoutingContext ctx, Callable<Object> work) {
        vertx.executeBlocking(work, false).onComplete(ar -> {
            if (ar.succeeded()) {
                ctx.response().putHeader("content-type", "application/json").end(String.valueOf(ar.result()));
            } else {
                Throwable e = ar.cause();
                int code = e instanceof IllegalArgumentException ? 404 : e instanceof IllegalStateException ? 409 : 500;
                error(ctx, code, e.getMessage());
            }
        });
    }

    private static void error(RoutingContext ctx, int code, String message) {
        Problem.of(code, message).send(ctx);
    }

    static JsonObject version(ModelVersion v) {
        return new JsonObject().put("task", v.task()).put("version", v.version()).put("status", v.status())
                .put("parentVersion", v.parentVersion()).put("artifact", v.artifact().uri().toString())
                .put("sha256", v.artifact().sha256()).put("size", v.artifact().size())
                .put("metrics", new JsonObject(Map.copyOf(v.metrics()))).put("dataSnapshot", new JsonObject(v.dataSnapshot()))
                .put("notes", v.notes()).put("createdAt", v.createdAt().toString())
                .put("promotedAt", v.promotedAt() == null ? null : v.promotedAt().toString());
    }

    private static JsonArray versions(List<ModelVersion> list) {
        return new JsonArray(list.stream().map(AdminHttpVerticle::version).toList());
    }

    private static JsonArray pairStatistics(List<TrainingPairRepository.Statistics> list) {
        return new JsonArray(list.stream().map(s -> new JsonObject().put("show", s.show()).put("style", s.style())
                .put("accepted", s.accepted()).put("rejected", s.rejected()).put("holdout", s.holdout()).put("train", s.train())
                .put("albedo", s.albedo()).put("mask", s.mask()).put("lastReceived", s.lastReceived().toString())).toList());
    }

    private static JsonArray runs(List<TrainingRunEntity> list) {
        return new JsonArray(list.stream().map(r -> new JsonObject().put("id", r.id().toString()).put("task", r.task())
                .put("status", r.status()).put("baseVersion", r.baseVersion()).put("candidateVersion", r.candidateVersion())
                .put("trigger", r.trigger()).put("stepsDone", r.stepsDone()).put("stepsTotal", r.stepsTotal())
                .put("metrics", new JsonObject(r.metrics())).put("checkpointDir", r.checkpointDir()).put("owner", r.owner())
                .put("startedAt", r.startedAt().toString()).put("heartbeatAt", r.heartbeatAt().toString())
                .put("finishedAt", r.finishedAt() == null ? null : r.finishedAt().toString()).put("log", r.log())).toList());
    }

    @Override
    public void stop() {
        if (server != null) server.close();
    }
}
