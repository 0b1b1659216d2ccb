package io.prism.ingest.http;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.ingest.IngestConfig;
import io.prism.ingest.IngestMetrics;
import io.prism.ingest.Refusal;
import io.prism.platform.auth.BearerAuth;
import io.prism.platform.auth.Scope;
import io.prism.platform.http.Problem;
import io.prism.ingest.db.IngestRepository;
import io.prism.ingest.submit.Fields;
import io.prism.ingest.submit.FrameRequest;
import io.prism.ingest.submit.PairRequest;
import io.prism.ingest.submit.Receipts.FrameReceipt;
import io.prism.ingest.submit.Receipts.PairReceipt;
import io.prism.ingest.submit.Submissions;
import io.prism.ingest.submit.Submissions.PairSources;
import io.prism.ingest.validate.RenderRoots;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.db.Database;
import io.prism.platform.db.FrameEntity;
import io.prism.ingest.db.FrameRepository;
import io.prism.platform.health.Health;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.AsyncResult;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.FileUpload;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import io.vertx.ext.web.handler.PlatformHandler;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API (one job: translate HTTP to {@link Submissions} and back). Blocking work runs on worker threads.
 *
 * <pre>
 * POST /v1/frames            multipart: file + job, show, shot, layer, frame [, sourcePath, attr.*]   (submit)
 * POST /v1/frames/register   JSON: {job, show, shot, layer, frame, path, attributes}                  (submit)
 * POST /v1/pairs             multipart: beauty [, albedo] [, mask] + job, show, shot, frame [, style,
 *                            albedoLayer, maskLayer, submitFrame]                                      (submit)
 * POST /v1/pairs/register    JSON: {job, show, shot, frame, beauty, albedo, mask, albedoLayer, ...}   (submit)
 * GET  /v1/frames/{id}       status of a frame: row status, version, whether its event left the outbox (read)
 * GET  /v1/pairs/{id}        status of a pair                                                         (read)
 * GET  /v1/admin/watch       the watch folder's newest records, ?outcome=refused|submitted&limit=N    (admin)
 * GET  /health/live, /health/ready, /metrics                                                         (open)
 * </pre>
 *
 * Uploads stream to temporary files (never into memory); the body limit is enforced while streaming and a declared
 * Content-Length over it is refused before a byte is read. 202 comes only after the transaction that holds the
 * frame row and its outbox row has committed. Tokens are checked by {@link BearerAuth}; every refusal is a
 * {@link Problem} whose {@code code} member is the refusal's reason code.
 */
public final class IngestHttpVerticle extends AbstractVerticle {
    private static final Logger LOG = LoggerFactory.getLogger(IngestHttpVerticle.class);
    private static final long JSON_LIMIT = 64 * 1024;
    /** Multipart framing and form fields on top of the file itself. */
    private static final long MULTIPART_SLACK = 64 * 1024;

    private final IngestConfig config;
    private final Submissions submissions;
    private final RenderRoots roots;
    private final Database db;
    private final Health health;
    private final PrometheusMeterRegistry registry;
    private final IngestMetrics metrics;
    private final BearerAuth auth;
    private HttpServer server;

    public IngestHttpVerticle(IngestConfig config, Submissions submissions, RenderRoots roots, Database db,
                              Health health, PrometheusMeterRegistry registry, IngestMetrics metrics) {
        this.config = config;
        this.submissions = submissions;
        this.roots = roots;
        this.db = db;
        this.health = health;
        this.registry = registry;
        this.metrics = metrics;
        this.auth = new BearerAuth(config.tokens()).onRefusal((ctx, p) -> metrics.refused(viaOf(ctx), String.valueOf(p.extensions().get("code")),
                p.status(), ctx.request().method() + " " + ctx.normalizedPath(), p.detail()));
    }

    @Override
    public void start(Promise<Void> startPromise) {
        Router router = Router.router(vertx);
        health.mount(router, registry);
        String tmp = config.tmpDir().toAbsolutePath().toString();
        long max = config.maxUploadBytes();

        router.post("/v1/frames").handler(auth(Scope.SUBMIT, "upload")).handler(declaredSize(max + MULTIPART_SLACK, "upload"))
                .handler(uploads(tmp, max + MULTIPART_SLACK)).handler(this::uploadFrame);
        router.post("/v1/frames/register").handler(auth(Scope.SUBMIT, "path")).handler(declaredSize(JSON_LIMIT, "path"))
                .handler(BodyHandler.create(false).setBodyLimit(JSON_LIMIT)).handler(this::registerFrame);
        router.post("/v1/pairs").handler(auth(Scope.SUBMIT, "upload")).handler(declaredSize(3 * max + MULTIPART_SLACK, "upload"))
                .handler(uploads(tmp, 3 * max + MULTIPART_SLACK)).handler(this::uploadPair);
        router.post("/v1/pairs/register").handler(auth(Scope.SUBMIT, "path")).handler(declaredSize(JSON_LIMIT, "path"))
                .handler(BodyHandler.create(false).setBodyLimit(JSON_LIMIT)).handler(this::registerPair);
        router.get("/v1/frames/:id").handler(auth(Scope.READ, "query")).handler(this::frameStatus);
        router.get("/v1/pairs/:id").handler(auth(Scope.READ, "query")).handler(this::pairStatus);
        router.get("/v1/admin/watch").handler(auth(Scope.ADMIN, "admin")).handler(this::watchState);
        // BodyHandler fails the route with 413 when a body grows past its limit while streaming.
        router.route("/v1/*").failureHandler(ctx -> {
            if (ctx.statusCode() == 413) {
                refuse(ctx, viaOf(ctx), Refusal.tooLarge("request body is over the limit of " + limitOf(ctx) + " bytes"));
            } else if (ctx.failure() instanceof Refusal r) {
                refuse(ctx, viaOf(ctx), r);
            } else if (ctx.response().ended()) {
                // e.g. the rest of an upload already refused as too large: the client has its answer.
                LOG.debug("event=ingest-http-late-failure path={} reason={}", ctx.normalizedPath(), String.valueOf(ctx.failure()));
            } else {
                LOG.error("event=ingest-http-error path={} status={}", ctx.normalizedPath(), ctx.statusCode(), ctx.failure());
                if (!ctx.response().ended()) {
                    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
                    error(ctx, status, "error", ctx.failure() == null ? "request failed" : String.valueOf(ctx.failure().getMessage()));
                }
            }
        });

        vertx.createHttpServer().requestHandler(router).listen(config.port(), config.host())
                .onSuccess(s -> {
                    server = s;
                    LOG.info("event=ingest-http-listening host={} port={}", config.host(), s.actualPort());
                    startPromise.complete();
                })
                .onFailure(startPromise::fail);
    }

    public int port() {
        return server == null ? -1 : server.actualPort();
    }

    // ---- handlers -------------------------------------------------------------------------------------------------

    private void uploadFrame(RoutingContext ctx) {
        handle(ctx, "upload", () -> {
            FileUpload file = upload(ctx, "file", true);
            Map<String, String> f = form(ctx);
            FrameRequest req = frameRequest(f, "upload");
            checkUploadSize(file);
            String sourcePath = f.get("sourcePath");
            return () -> frameJson(submissions.submitFrame(req, Path.of(file.uploadedFileName()), uploadName(file),
                    sourcePath));
        });
    }

    private void registerFrame(RoutingContext ctx) {
        handle(ctx, "path", () -> {
            JsonObject body = json(ctx);
            Map<String, String> fields = fieldsOf(body);
            FrameRequest req = frameRequest(fields, "path");
            String submitted = body.getString("path");
            return () -> {
                Path file = roots.resolve(submitted);
                return frameJson(submissions.submitFrame(req, file, submitted, submitted));
            };
        });
    }

    private void uploadPair(RoutingContext ctx) {
        handle(ctx, "upload", () -> {
            Map<String, String> f = form(ctx);
            FileUpload beauty = upload(ctx, "beauty", true);
            FileUpload albedo = upload(ctx, "albedo", false);
            FileUpload mask = upload(ctx, "mask", false);
            for (FileUpload u : new FileUpload[] {beauty, albedo, mask}) if (u != null) checkUploadSize(u);
            PairRequest req = pairRequest(f, "upload");
            PairSources src = new PairSources(Path.of(beauty.uploadedFileName()), uploadName(beauty),
                    albedo == null ? null : Path.of(albedo.uploadedFileName()), albedo == null ? null : uploadName(albedo),
                    mask == null ? null : Path.of(mask.uploadedFileName()), mask == null ? null : uploadName(mask),
                    f.get("albedoLayer"), f.get("maskLayer"));
            return () -> pairJson(submissions.submitPair(req, src, true, null));
        });
    }

    private void registerPair(RoutingContext ctx) {
        handle(ctx, "path", () -> {
            JsonObject body = json(ctx);
            Map<String, String> f = fieldsOf(body);
            PairRequest req = pairRequest(f, "path");
            return () -> {
                Path beauty = roots.resolve(f.get("beauty"));
                Path albedo = f.get("albedo") == null ? null : roots.resolve(f.get("albedo"));
                Path mask = f.get("mask") == null ? null : roots.resolve(f.get("mask"));
                PairSources src = new PairSources(beauty, f.get("beauty"), albedo, f.get("albedo"), mask, f.get("mask"),
                        f.get("albedoLayer"), f.get("maskLayer"));
                return pairJson(submissions.submitPair(new PairRequest(req.frame(), req.style(), f.get("beauty"),
                        req.submitFrame()), src, true, null));
            };
        });
    }

    private void frameStatus(RoutingContext ctx) {
        handle(ctx, "query", () -> {
            UUID id = uuid(ctx.pathParam("id"));
            return () -> {
                FrameEntity f = db.repository(FrameRepository.class).findById(id)
                        .orElseThrow(() -> new Refusal(404, "not_found", "no frame " + id));
                long pending = db.repository(IngestRepository.class).undeliveredEventsOfFrame(id.toString());
                return new JsonObject().put("frameId", f.id().toString()).put("jobId", f.jobId()).put("show", f.show())
                        .put("shot", f.shot()).put("layer", f.layer()).put("frame", f.frameNumber())
                        .put("frameVersion", f.frameVersion()).put("status", f.status())
                        .put("statusReason", f.statusReason()).put("sha256", f.sha256()).put("size", f.sizeBytes())
                        .put("sourceUri", f.sourceUri()).put("sourcePath", f.sourcePath())
                        .put("submittedAt", f.submittedAt().toString())
                        .put("delivery", pending > 0 ? "pending" : "published");
            };
        }, 200);
    }

    private void pairStatus(RoutingContext ctx) {
        handle(ctx, "query", () -> {
            UUID id = uuid(ctx.pathParam("id"));
            return () -> {
                IngestRepository repo = db.repository(IngestRepository.class);
                var p = repo.findPair(id).orElseThrow(() -> new Refusal(404, "not_found", "no pair " + id));
                long pending = repo.undeliveredEventsOfPair(id.toString());
                return new JsonObject().put("pairId", p.id().toString())
                        .put("frameId", p.frameId() == null ? null : p.frameId().toString()).put("jobId", p.jobId())
                        .put("show", p.show()).put("shot", p.shot()).put("frame", p.frameNumber())
                        .put("beautySha256", p.beautySha256()).put("albedoSha256", p.albedoSha256())
                        .put("maskSha256", p.maskSha256()).put("delivery", pending > 0 ? "pending" : "published");
            };
        }, 200);
    }

    private void watchState(RoutingContext ctx) {
        handle(ctx, "admin", () -> {
            String outcome = Optional.ofNullable(ctx.request().getParam("outcome")).orElse("refused");
            if (!outcome.equals("refused") && !outcome.equals("submitted")) {
                throw Refusal.badRequest("outcome must be 'refused' or 'submitted'");
            }
            int limit;
            try {
                limit = Math.min(1000, Math.max(1, Integer.parseInt(Optional.ofNullable(ctx.request().getParam("limit")).orElse("100"))));
            } catch (NumberFormatException e) {
                throw Refusal.badRequest("limit must be an integer");
            }
            return () -> {
                io.vertx.core.json.JsonArray files = new io.vertx.core.json.JsonArray();
                for (var w : db.repository(IngestRepository.class).watchedFilesWithOutcome(outcome, limit)) {
                    files.add(new JsonObject().put("path", w.path()).put("role", w.role()).put("outcome", w.outcome())
                            .put("reason", w.reason()).put("frameId", w.frameId() == null ? null : w.frameId().toString())
                            .put("pairId", w.pairId() == null ? null : w.pairId().toString()).put("size", w.sizeBytes())
                            .put("updatedAt", w.updatedAt() == null ? null : w.updatedAt().toString()));
                }
                return new JsonObject().put("outcome", outcome).put("files", files);
            };
        }, 200);
    }

    // ---- plumbing -------------------------------------------------------------------------------------------------

    /** Parses on the event loop (cheap, may refuse), then runs the blocking part on a worker. */
    private void handle(RoutingContext ctx, String via, Callable<Callable<JsonObject>> prepare) {
        handle(ctx, via, prepare, 202);
    }

    private void handle(RoutingContext ctx, String via, Callable<Callable<JsonObject>> prepare, int okStatus) {
        Callable<JsonObject> work;
        try {
            work = prepare.call();
        } catch (Refusal r) {
            refuse(ctx, via, r);
            return;
        } catch (Exception e) {
            refuse(ctx, via, Refusal.badRequest(String.valueOf(e.getMessage())));
            return;
        }
        vertx.executeBlocking(work, false).onComplete(ar -> respond(ctx, via, ar, okStatus));
    }

    private void respond(RoutingContext ctx, String via, AsyncResult<JsonObject> ar, int okStatus) {
        if (ar.succeeded()) {
            ctx.response().setStatusCode(okStatus).putHeader("content-type", "application/json").end(ar.result().encode());
        } else if (ar.cause() instanceof Refusal r) {
            refuse(ctx, via, r);
        } else {
            // Not the submitter's fault (database, blob store): nothing was accepted, the farm should retry.
            LOG.error("event=ingest-submit-failed via={} path={} reason={}", via, ctx.normalizedPath(), ar.cause().toString(), ar.cause());
            if (!ctx.response().ended()) ctx.response().putHeader("Retry-After", "5");
            error(ctx, 503, "unavailable", "not accepted, retry later: " + ar.cause().getMessage());
        }
    }

    private void refuse(RoutingContext ctx, String via, Refusal r) {
        metrics.refused(via, r.code(), r.status(), ctx.request().method() + " " + ctx.normalizedPath(), r.getMessage());
        error(ctx, r.status(), r.code(), r.getMessage());
    }

    private static void error(RoutingContext ctx, int status, String code, String detail) {
        Problem.of(status, detail).with("code", code).send(ctx);
    }

    /**
     * Authenticates before the body is read (no upload of an unauthenticated client is ever spooled): a platform
     * handler, which Vert.x runs before the body handler. Refusals are counted like every other.
     */
    private PlatformHandler auth(Scope scope, String via) {
        PlatformHandler check = auth.require(scope);
        return ctx -> {
            ctx.put("via", via);
            check.handle(ctx);
        };
    }

    /** Refuses a declared Content-Length over the limit before reading the body. */
    private PlatformHandler declaredSize(long limit, String via) {
        return ctx -> {
            ctx.put("limit", limit);
            String cl = ctx.request().getHeader("Content-Length");
            if (cl != null) {
                try {
                    long n = Long.parseLong(cl.trim());
                    if (n > limit) {
                        ctx.response().putHeader("Connection", "close");
                        refuse(ctx, via, Refusal.tooLarge("request body of " + n + " bytes is over the limit of " + limit + " bytes"));
                        return;
                    }
                } catch (NumberFormatException e) {
                    refuse(ctx, via, Refusal.badRequest("invalid Content-Length"));
                    return;
                }
            }
            ctx.next();
        };
    }

    private static BodyHandler uploads(String dir, long limit) {
        return BodyHandler.create(dir).setBodyLimit(limit).setDeleteUploadedFilesOnEnd(true).setMergeFormAttributes(false);
    }

    private static String viaOf(RoutingContext ctx) {
        Object v = ctx.get("via");
        return v == null ? "http" : v.toString();
    }

    private static Object limitOf(RoutingContext ctx) {
        Object v = ctx.get("limit");
        return v == null ? "?" : v;
    }

    private void checkUploadSize(FileUpload f) {
        if (f.size() > config.maxUploadBytes()) {
            throw Refusal.tooLarge("upload '" + f.fileName() + "' has " + f.size() + " bytes, over the limit of "
                    + config.maxUploadBytes());
        }
    }

    private static FileUpload upload(RoutingContext ctx, String field, boolean required) {
        FileUpload found = null;
        for (FileUpload f : ctx.fileUploads()) {
            if (field.equals(f.name())) {
                if (found != null) throw Refusal.badRequest("more than one file in multipart field '" + field + "'");
                found = f;
            }
        }
        if (found == null && required) {
            throw Refusal.badRequest("multipart field '" + field + "' with the EXR file is required");
        }
        return found;
    }

    private static String uploadName(FileUpload f) {
        String n = f.fileName();
        return n == null || n.isBlank() ? f.name() : n;
    }

    private static Map<String, String> form(RoutingContext ctx) {
        Map<String, String> m = new HashMap<>();
        ctx.request().formAttributes().forEach(e -> m.put(e.getKey(), e.getValue()));
        return m;
    }

    private static JsonObject json(RoutingContext ctx) {
        try {
            JsonObject o = ctx.body().asJsonObject();
            if (o == null) throw Refusal.badRequest("a JSON object body is required");
            return o;
        } catch (DecodeException | ClassCastException e) {
            throw Refusal.badRequest("body is not a JSON object: " + e.getMessage());
        }
    }

    /** JSON fields as strings; {@code attributes} (an object) becomes {@code attr.<key>} entries. */
    private static Map<String, String> fieldsOf(JsonObject body) {
        Map<String, String> m = new HashMap<>();
        for (String k : body.fieldNames()) {
            Object v = body.getValue(k);
            if (v == null) continue;
            if ("attributes".equals(k) && v instanceof JsonObject a) {
                a.forEach(e -> m.put("attr." + e.getKey(), String.valueOf(e.getValue())));
            } else if (!(v instanceof JsonObject)) {
                m.put(k, String.valueOf(v));
            }
        }
        return m;
    }

    static FrameRequest frameRequest(Map<String, String> f, String via) {
        Map<String, String> attrs = new HashMap<>();
        f.forEach((k, v) -> {
            if (k.startsWith("attr.")) attrs.put(k.substring(5), v);
        });
        String job = firstOf(f, "job", "jobId");
        return new FrameRequest(job, f.get("show"), f.get("shot"), f.getOrDefault("layer", "beauty"),
                Fields.frameNumber(firstOf(f, "frame", "frameNumber")), attrs, via);
    }

    static PairRequest pairRequest(Map<String, String> f, String via) {
        String submit = f.getOrDefault("submitFrame", "true");
        return new PairRequest(frameRequest(f, via), f.get("style"), f.get("sourcePath"), !"false".equalsIgnoreCase(submit));
    }

    private static String firstOf(Map<String, String> f, String a, String b) {
        return f.get(a) != null ? f.get(a) : f.get(b);
    }

    private static UUID uuid(String s) {
        try {
            return UUID.fromString(s);
        } catch (IllegalArgumentException e) {
            throw Refusal.badRequest("not an id: '" + s + "'");
        }
    }

    static JsonObject frameJson(FrameReceipt r) {
        return new JsonObject().put("frameId", r.frameId().toString()).put("jobId", r.jobId()).put("frame", r.frameNumber())
                .put("frameVersion", r.frameVersion()).put("duplicate", r.duplicate()).put("superseded", r.superseded())
                .put("source", blobJson(r.source())).put("status", "accepted");
    }

    static JsonObject pairJson(PairReceipt r) {
        JsonObject o = new JsonObject().put("pairId", r.pairId() == null ? null : r.pairId().toString())
                .put("duplicate", r.duplicate()).put("status", "accepted");
        if (r.frame() != null) o.put("frame", frameJson(r.frame()));
        if (r.beauty() != null) o.put("beauty", blobJson(r.beauty()));
        if (r.albedo() != null) o.put("albedo", blobJson(r.albedo()));
        if (r.mask() != null) o.put("mask", blobJson(r.mask()));
        return o;
    }

    private static JsonObject blobJson(BlobRef b) {
        return new JsonObject().put("uri", b.uri().toString()).put("sha256", b.sha256()).put("size", b.size())
                .put("width", b.width()).put("height", b.height()).put("channels", b.channels());
    }
}
