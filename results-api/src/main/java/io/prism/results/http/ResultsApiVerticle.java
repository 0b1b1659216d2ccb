package io.prism.results.http;

import io.micrometer.core.instrument.Timer;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.FrameStatus;
import io.prism.platform.contracts.Identifiers;
import io.prism.platform.db.Database;
import io.prism.platform.health.Health;
import io.prism.results.ResultsApiConfig;
import io.prism.platform.auth.ApiTokens.Principal;
import io.prism.platform.auth.BearerAuth;
import io.prism.platform.auth.Scope;
import io.prism.platform.http.Problem;
import io.prism.results.preview.PngPreviews;
import io.prism.platform.db.FrameEntity;
import io.prism.platform.db.ResultEntity;
import io.prism.results.db.FrameRepository;
import io.prism.results.db.JobRepository;
import io.prism.results.db.ModelRepository;
import io.prism.results.db.TrainingRunRepository;
import io.prism.results.reprocess.Reprocessor;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.StaticHandler;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The results-api HTTP server: one job, serve. JSON under {@code /api/v1}, images streamed from the blob store,
 * the OpenAPI document, health + metrics, and the contact sheet under {@code /ui/}. Database work runs on worker
 * threads; the event loop only routes and writes. Several instances may share the port (one per event loop).
 * Tokens are checked by {@link BearerAuth}; every error answer is a {@link Problem}.
 */
public final class ResultsApiVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(ResultsApiVerticle.class);
    /** What a 503 during a database outage tells clients to wait. */
    static final long RETRY_AFTER_SECONDS = 5;
    public static final String API = "/api/v1";

    private final ResultsApiConfig config;
    private final Database database;
    /** Looked up when the verticle starts (building the router alone needs no database). */
    private JobRepository jobs;
    private FrameRepository frames;
    private ModelRepository models;
    private TrainingRunRepository runs;
    private final Reprocessor reprocessor;
    private final BlobStore blobs;
    private final PngPreviews previews;
    private final Health health;
    private final PrometheusMeterRegistry meters;
    private final OpenApiDocument openApi;
    private final Consumer<Integer> onListening;
    private final BearerAuth auth;
    private BlobResponses blobResponses;
    private HttpServer server;

    public ResultsApiVerticle(ResultsApiConfig config, Database database, Reprocessor reprocessor, BlobStore blobs,
                              PngPreviews previews, Health health, PrometheusMeterRegistry meters, OpenApiDocument openApi,
                              Consumer<Integer> onListening) {
        this.config = config;
        this.database = database;
        this.reprocessor = reprocessor;
        this.blobs = blobs;
        this.previews = previews;
        this.health = health;
        this.meters = meters;
        this.openApi = openApi;
        this.onListening = onListening;
        BearerAuth check = new BearerAuth(config.tokens()).onRefusal((ctx, p) -> LOG.warn(
                "event=request-refused status={} method={} path={} remote={} reason=\"{}\"", p.status(), ctx.request().method(),
                ctx.request().path(), ctx.request().remoteAddress(), p.detail()));
        this.auth = config.publicRead() ? check.allowingAnonymous(Scope.READ) : check;
    }

    @Override
    public void start(Promise<Void> startPromise) {
        jobs = database.repository(JobRepository.class);
        frames = database.repository(FrameRepository.class);
        models = database.repository(ModelRepository.class);
        runs = database.repository(TrainingRunRepository.class);
        blobResponses = new BlobResponses(vertx, blobs);
        Router router = router();
        server = vertx.createHttpServer(new HttpServerOptions().setHost(config.host()).setPort(config.port()));
        server.requestHandler(router).listen().onSuccess(s -> {
            LOG.info("event=results-api-listening host={} port={}", config.host(), s.actualPort());
            onListening.accept(s.actualPort());
            startPromise.complete();
        }).onFailure(startPromise::fail);
    }

    /** Every route; {@code OpenApiDocumentTest} checks each API route appears in openapi.yaml. */
    public Router router() {
        Router r = Router.router(vertx);
        r.route().handler(this::timed);
        health.mount(r, meters);
        r.get("/openapi.yaml").handler(ctx -> ctx.response().putHeader("content-type", "application/yaml").end(openApi.yaml()));
        r.get("/openapi.json").handler(ctx -> ctx.response().putHeader("content-type", "application/json").end(openApi.json()));
        r.get("/").handler(ctx -> ctx.redirect("/ui/"));
        r.route("/ui/*").handler(StaticHandler.create("webroot").setCachingEnabled(false).setIndexPage("index.html"));

        get(r, "/jobs", Scope.READ, this::listJobs);
        get(r, "/jobs/:jobId", Scope.READ, this::getJob);
        get(r, "/jobs/:jobId/frames", Scope.READ, this::listFrames);
        get(r, "/jobs/:jobId/frames/:frameNumber", Scope.READ, this::framesByNumber);
        post(r, "/jobs/:jobId/reprocess", this::reprocessJob);
        get(r, "/frames/:frameId", Scope.READ, this::getFrame);
        get(r, "/frames/:frameId/source", Scope.READ, this::frameSource);
        get(r, "/frames/:frameId/preview.png", Scope.READ, this::framePreview);
        post(r, "/frames/:frameId/reprocess", this::reprocessFrame);
        get(r, "/results/:resultId/image", Scope.READ, this::resultImage);
        get(r, "/results/:resultId/uncertainty", Scope.READ, this::resultUncertainty);
        get(r, "/models", Scope.READ, this::listModelTasks);
        get(r, "/models/:task", Scope.READ, this::listModelVersions);
        get(r, "/models/:task/versions/:version", Scope.READ, this::getModelVersion);
        get(r, "/training-runs", Scope.READ, this::listTrainingRuns);
        get(r, "/training-runs/:runId", Scope.READ, this::getTrainingRun);

        r.route().failureHandler(this::failure);
        r.errorHandler(404, ctx -> Problem.of(404, "no resource at " + ctx.request().path()).send(ctx));
        r.errorHandler(405, ctx -> Problem.of(405, ctx.request().method() + " is not allowed on " + ctx.request().path()).send(ctx));
        r.errorHandler(413, ctx -> Problem.of(413, "request body too large").send(ctx));
        return r;
    }

    private void get(Router r, String path, Scope scope, Handler<RoutingContext> h) {
        for (HttpMethod m : List.of(HttpMethod.GET, HttpMethod.HEAD)) {
            Route route = r.route(m, API + path).handler(auth.require(scope)).handler(h);
            route.setName(API + path);
        }
    }

    private void post(Router r, String path, Handler<RoutingContext> h) {
        r.post(API + path).handler(auth.require(Scope.ADMIN)).handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(h)
                .setName(API + path);
    }

    // ---------------------------------------------------------------- cross-cutting

    private void timed(RoutingContext ctx) {
        long start = System.nanoTime();
        ctx.addEndHandler(v -> {
            String route = ctx.currentRoute() != null && ctx.currentRoute().getName() != null ? ctx.currentRoute().getName() : "other";
            Timer.builder("prism_results_http_requests")
                    .tag("route", route)
                    .tag("method", ctx.request().method().name())
                    .tag("status", Integer.toString(ctx.response().getStatusCode()))
                    .publishPercentileHistogram()
                    .register(meters)
                    .record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        });
        ctx.next();
    }

    private void failure(RoutingContext ctx) {
        Throwable t = ctx.failure();
        ApiException api = apiCause(t);
        if (api != null) {
            api.problem().send(ctx);
        } else if (Database.isUnavailable(t)) {
            // An outage, not a bug: answer at once and say when to come back (the pool gives up after PRISM_DB_CONNECT_TIMEOUT).
            LOG.warn("event=database-unavailable method={} path={} reason=\"{}\"", ctx.request().method(), ctx.request().path(), t.toString());
            ctx.response().putHeader("Retry-After", Long.toString(RETRY_AFTER_SECONDS));
            Problem.of(503, "the database is unavailable; retry in " + RETRY_AFTER_SECONDS + " s").send(ctx);
        } else if (t == null) {
            int s = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
            Problem.of(s, "request failed with status " + s).send(ctx);
        } else {
            LOG.error("event=request-failed method={} path={}", ctx.request().method(), ctx.request().path(), t);
            Problem.of(500, "the request failed on the server; see the results-api log").send(ctx);
        }
    }

    private static ApiException apiCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause()) {
            if (c instanceof ApiException a) return a;
        }
        return null;
    }

    /** Runs blocking work off the event loop and answers its result as JSON. */
    private void json(RoutingContext ctx, int status, Callable<Object> work) {
        vertx.executeBlocking(work, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            Object v = ar.result();
            String body = v instanceof JsonObject o ? o.encode() : v instanceof JsonArray a ? a.encode() : String.valueOf(v);
            ctx.response().setStatusCode(status).putHeader("content-type", "application/json").end(body);
        });
    }

    // ---------------------------------------------------------------- jobs and frames

    private void listJobs(RoutingContext ctx) {
        var f = new JobRepository.JobFilter(
                idParam(ctx, "show"), idParam(ctx, "shot"),
                oneOf(ctx, "status", JobRepository.STATUSES),
                instant(ctx, "createdFrom"), instant(ctx, "createdTo"),
                param(ctx, "cursor") == null ? null : Cursor.job(param(ctx, "cursor")),
                limit(ctx));
        json(ctx, 200, () -> {
            var page = jobs.page(f);
            var last = page.more() ? page.items().get(page.items().size() - 1) : null;
            return ResultsJson.page(page, ResultsJson::job,
                    last == null ? null : Cursor.job(new JobRepository.JobKey(last.createdAt(), last.id())));
        });
    }

    private void getJob(RoutingContext ctx) {
        String id = jobId(ctx);
        json(ctx, 200, () -> jobs.findProgress(id).map(ResultsJson::job).orElseThrow(() -> ApiException.notFound("no job '" + id + "'")));
    }

    private void listFrames(RoutingContext ctx) {
        String jobId = jobId(ctx);
        Integer from = integer(ctx, "fromFrame");
        Integer to = integer(ctx, "toFrame");
        if (from != null && to != null && from > to) {
            throw ApiException.unprocessable("fromFrame " + from + " is after toFrame " + to);
        }
        var f = new FrameRepository.FrameFilter(jobId, oneOf(ctx, "status", FrameStatus.allValues()), idParam(ctx, "layer"),
                from, to, param(ctx, "cursor") == null ? null : Cursor.frame(param(ctx, "cursor")), limit(ctx),
                !"false".equals(param(ctx, "results")));
        json(ctx, 200, () -> {
            var page = frames.page(f);
            if (page.items().isEmpty() && f.after() == null && !jobs.existsById(jobId)) {
                throw ApiException.notFound("no job '" + jobId + "'");
            }
            FrameEntity last = page.more() ? page.items().get(page.items().size() - 1).frame() : null;
            String next = last == null ? null : Cursor.frame(new FrameRepository.FrameKey(last.frameNumber(), last.layer(), last.frameVersion()));
            return ResultsJson.page(page, f.withResults() ? ResultsJson::frameWithResults : r -> ResultsJson.frame(r.frame()), next)
                    .put("jobId", jobId);
        });
    }

    private void framesByNumber(RoutingContext ctx) {
        String jobId = jobId(ctx);
        int n = pathInt(ctx, "frameNumber");
        String layer = idParam(ctx, "layer");
        json(ctx, 200, () -> {
            var versions = frames.findByNumber(jobId, n, layer);
            if (versions.isEmpty()) {
                throw ApiException.notFound("job '" + jobId + "' has no frame " + n + (layer == null ? "" : " in layer '" + layer + "'"));
            }
            return new JsonObject().put("jobId", jobId).put("frameNumber", n).put("frames", ResultsJson.array(versions, ResultsJson::frameWithResults));
        });
    }

    private void getFrame(RoutingContext ctx) {
        UUID id = uuid(ctx, "frameId");
        json(ctx, 200, () -> frames.findDetail(id).map(ResultsJson::frameDetail).orElseThrow(() -> ApiException.notFound("no frame " + id)));
    }

    // ---------------------------------------------------------------- images

    private void frameSource(RoutingContext ctx) {
        UUID id = uuid(ctx, "frameId");
        blob(ctx, () -> frameSource(id).orElseThrow(() -> ApiException.notFound("no frame " + id)), null, null);
    }

    private void framePreview(RoutingContext ctx) {
        UUID id = uuid(ctx, "frameId");
        int maxSide = previewSize(ctx);
        vertx.<BlobRef>executeBlocking(() -> frameSource(id).orElseThrow(() -> ApiException.notFound("no frame " + id)), false)
                .onFailure(ctx::fail)
                .onSuccess(source -> sendPreview(ctx, source, PngPreviews.Kind.BEAUTY, maxSide));
    }

    private static int previewSize(RoutingContext ctx) {
        Integer size = integer(ctx, "size");
        if (size != null && (size < 16 || size > 8192)) {
            throw ApiException.badParameter("size", "size must be between 16 and 8192 pixels");
        }
        return size == null ? 0 : size;
    }

    /** A PNG made on the fly; its ETag names the source digest, the kind and the size. */
    private void sendPreview(RoutingContext ctx, BlobRef source, PngPreviews.Kind kind, int maxSide) {
        String etag = "\"" + PngPreviews.etagOf(source, kind, maxSide) + "\"";
        if (BlobResponses.matches(ctx.request().getHeader("if-none-match"), etag)) {
            ctx.response().putHeader("etag", etag).setStatusCode(304).end();
            return;
        }
        vertx.executeBlocking(() -> previews.render(source, kind, maxSide), false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
                return;
            }
            ctx.response().putHeader("etag", etag).putHeader("cache-control", "private, max-age=31536000, immutable")
                    .putHeader("content-type", "image/png");
            if (ctx.request().method() == HttpMethod.HEAD) {
                ctx.response().putHeader("content-length", Integer.toString(ar.result().length)).end();
            } else {
                ctx.response().end(Buffer.buffer(ar.result()));
            }
        });
    }

    private void resultImage(RoutingContext ctx) {
        UUID id = uuid(ctx, "resultId");
        String format = Optional.ofNullable(param(ctx, "format")).orElse("exr");
        ResultBlob which = switch (format) {
            case "exr" -> ResultBlob.IMAGE;
            case "png" -> ResultBlob.PREVIEW;
            default -> throw ApiException.badParameter("format", "format must be 'exr' (the result image) or 'png' (its preview)");
        };
        String contentType = which == ResultBlob.PREVIEW ? "image/png" : null;
        blob(ctx, () -> resultRef(id, which), contentType, "result-" + id + (which == ResultBlob.PREVIEW ? ".png" : ".exr"));
    }

    private void resultUncertainty(RoutingContext ctx) {
        UUID id = uuid(ctx, "resultId");
        String format = param(ctx, "format");
        if (format != null && !format.equals("png")) {
            throw ApiException.badParameter("format", "format may only be 'png' (a normalised preview); leave it out for the map as stored");
        }
        int maxSide = previewSize(ctx);
        vertx.executeBlocking(() -> {
            BlobRef ref = resultRef(id, ResultBlob.UNCERTAINTY);
            // The row holds digest and size; the store knows the media type it was written with.
            String type = blobs.find(ref.sha256()).map(BlobRef::mediaType).orElse("application/octet-stream");
            return new BlobRef(ref.uri(), ref.sha256(), ref.size(), type, null, null, null);
        }, false).onFailure(ctx::fail).onSuccess(ref -> {
            if (format != null && !(ref.mediaType().equals("image/png") && maxSide == 0)) {
                sendPreview(ctx, ref, PngPreviews.Kind.DATA, maxSide);
            } else {
                blobResponses.send(ctx, ref, null, null);
            }
        });
    }

    /** Which blob of a result to serve. */
    private enum ResultBlob { IMAGE, PREVIEW, UNCERTAINTY }

    private BlobRef resultRef(UUID id, ResultBlob which) {
        ResultEntity r = frames.findResult(id).orElseThrow(() -> ApiException.notFound("no result " + id));
        BlobRef ref = switch (which) {
            case IMAGE -> blobRef(r.resultSha256(), r.resultSize(), r.resultMediaType());
            case PREVIEW -> blobRef(r.previewSha256(), r.previewSize(), "image/png");
            case UNCERTAINTY -> blobRef(r.uncertaintySha256(), r.uncertaintySize(), null);
        };
        if (ref == null) throw ApiException.notFound("result " + id + " has no " + which.name().toLowerCase() + " image");
        return ref;
    }

    private static BlobRef blobRef(String sha256, Long size, String mediaType) {
        return sha256 == null ? null : new BlobRef(BlobStore.uriOf(sha256), sha256, size, mediaType, null, null, null);
    }

    /** The source (beauty) blob of a frame. */
    private Optional<BlobRef> frameSource(UUID id) {
        return frames.findById(id).map(f -> new BlobRef(java.net.URI.create(f.sourceUri()), f.sha256(), f.sizeBytes(),
                f.mediaType(), f.width(), f.height(), f.channels()));
    }

    private void blob(RoutingContext ctx, Callable<BlobRef> ref, String contentType, String name) {
        vertx.executeBlocking(ref, false).onComplete(ar -> {
            if (ar.failed()) {
                ctx.fail(ar.cause());
            } else {
                blobResponses.send(ctx, ar.result(), contentType, name);
            }
        });
    }

    // ---------------------------------------------------------------- models and training

    private void listModelTasks(RoutingContext ctx) {
        json(ctx, 200, () -> new JsonObject().put("items", ResultsJson.array(models.findTasks(), ResultsJson::taskModels)));
    }

    private void listModelVersions(RoutingContext ctx) {
        String task = ctx.pathParam("task");
        json(ctx, 200, () -> {
            var versions = models.findByTaskOrderByVersionDesc(task);
            if (versions.isEmpty()) throw ApiException.notFound("no model versions for task '" + task + "'");
            return new JsonObject().put("task", task).put("items", ResultsJson.array(versions, ResultsJson::model));
        });
    }

    private void getModelVersion(RoutingContext ctx) {
        String task = ctx.pathParam("task");
        int version = pathInt(ctx, "version");
        json(ctx, 200, () -> {
            var lineage = models.findLineage(task, version);
            if (lineage.isEmpty()) throw ApiException.notFound("no model version " + task + " v" + version);
            return ResultsJson.modelWithLineage(lineage, runs.findByCandidate(task, version));
        });
    }

    private void listTrainingRuns(RoutingContext ctx) {
        String task = param(ctx, "task");
        String status = oneOf(ctx, "status", TrainingRunRepository.STATUSES);
        int limit = limit(ctx);
        json(ctx, 200, () -> new JsonObject().put("items", ResultsJson.array(runs.findNewest(task, status, limit), r -> ResultsJson.run(r, false))));
    }

    private void getTrainingRun(RoutingContext ctx) {
        UUID id = uuid(ctx, "runId");
        json(ctx, 200, () -> runs.findById(id).map(r -> ResultsJson.run(r, true)).orElseThrow(() -> ApiException.notFound("no training run " + id)));
    }

    // ---------------------------------------------------------------- reprocessing (admin)

    private void reprocessJob(RoutingContext ctx) {
        String jobId = jobId(ctx);
        JsonObject body = body(ctx);
        String layer = body.getValue("layer") instanceof String s ? s : null;
        if (layer != null && Identifiers.problem("layer", layer) != null) throw ApiException.badParameter("layer", Identifiers.problem("layer", layer));
        Integer from = bodyInt(body, "fromFrame");
        Integer to = bodyInt(body, "toFrame");
        Principal who = BearerAuth.principal(ctx);
        json(ctx, 202, () -> reprocessor.reprocessJob(jobId, reprocessor.models(body), layer, from, to, who.name()).put("jobId", jobId));
    }

    private void reprocessFrame(RoutingContext ctx) {
        UUID id = uuid(ctx, "frameId");
        JsonObject body = body(ctx);
        Principal who = BearerAuth.principal(ctx);
        json(ctx, 202, () -> reprocessor.reprocessFrame(id, reprocessor.models(body), who.name()));
    }

    private static JsonObject body(RoutingContext ctx) {
        String ct = ctx.request().getHeader("content-type");
        if (ct == null || !ct.toLowerCase().startsWith("application/json")) {
            throw new ApiException(415, "Unsupported Media Type", "send the request body as application/json", Map.of());
        }
        try {
            Object v = ctx.body().asJsonObject();
            if (v == null) throw ApiException.badRequest("request body is empty; expected a JSON object");
            return (JsonObject) v;
        } catch (DecodeException | ClassCastException e) {
            throw ApiException.badRequest("request body is not a JSON object: " + e.getMessage());
        }
    }

    private static Integer bodyInt(JsonObject body, String name) {
        Object v = body.getValue(name);
        if (v == null) return null;
        if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) return n.intValue();
        throw ApiException.unprocessable("'" + name + "' must be an integer frame number, got " + v);
    }

    // ---------------------------------------------------------------- parameters

    private static String param(RoutingContext ctx, String name) {
        String v = ctx.request().getParam(name);
        return v == null || v.isBlank() ? null : v;
    }

    /** The job id of the path, refused (400) unless it is in the safe id alphabet ({@link Identifiers}). */
    private static String jobId(RoutingContext ctx) {
        String v = ctx.pathParam("jobId");
        String problem = Identifiers.problem("jobId", v);
        if (problem != null) throw ApiException.badParameter("jobId", problem);
        return v;
    }

    /** An optional show, shot or layer filter, refused (400) unless it is a safe id. */
    private static String idParam(RoutingContext ctx, String name) {
        String v = param(ctx, name);
        String problem = v == null ? null : Identifiers.problem(name, v);
        if (problem != null) throw ApiException.badParameter(name, problem);
        return v;
    }

    private static String oneOf(RoutingContext ctx, String name, List<String> allowed) {
        String v = param(ctx, name);
        if (v != null && !allowed.contains(v)) {
            throw ApiException.badParameter(name, name + " must be one of " + allowed + ", got '" + v + "'");
        }
        return v;
    }

    private static Integer integer(RoutingContext ctx, String name) {
        String v = param(ctx, name);
        if (v == null) return null;
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw ApiException.badParameter(name, name + " must be an integer, got '" + v + "'");
        }
    }

    private static int pathInt(RoutingContext ctx, String name) {
        try {
            return Integer.parseInt(ctx.pathParam(name));
        } catch (NumberFormatException e) {
            throw ApiException.notFound(name + " '" + ctx.pathParam(name) + "' is not a number");
        }
    }

    private static Instant instant(RoutingContext ctx, String name) {
        String v = param(ctx, name);
        if (v == null) return null;
        try {
            return Instant.parse(v);
        } catch (DateTimeParseException e) {
            throw ApiException.badParameter(name, name + " must be an ISO-8601 instant like 2026-01-31T12:00:00Z, got '" + v + "'");
        }
    }

    private static UUID uuid(RoutingContext ctx, String name) {
        try {
            return UUID.fromString(ctx.pathParam(name));
        } catch (IllegalArgumentException e) {
            throw ApiException.notFound("'" + ctx.pathParam(name) + "' is not a " + name.replace("Id", "") + " id");
        }
    }

    private int limit(RoutingContext ctx) {
        Integer l = integer(ctx, "limit");
        if (l == null) return config.pageSize();
        if (l < 1 || l > config.maxPageSize()) {
            throw ApiException.badParameter("limit", "limit must be between 1 and " + config.maxPageSize());
        }
        return l;
    }

    @Override
    public void stop() {
        // the HTTP server closes with the verticle
    }
}
