package io.prism.results.http;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/**
 * RFC 9457 problem details: every error answer of results-api is {@code application/problem+json} with
 * {@code type}, {@code title}, {@code status}, {@code detail} and {@code instance} (the request path).
 */
public final class Problem {
    public static final String MEDIA_TYPE = "application/problem+json";
    /** Problem types are documented in openapi.yaml under this base. */
    public static final String TYPE_BASE = "https://prism.dev/problems/";

    private Problem() {}

    public static void send(RoutingContext ctx, int status, String title, String detail, Map<String, Object> extensions) {
        if (ctx.response().headWritten()) {
            // Headers are out (a stream broke midway): all we can do is cut the connection so the client notices.
            ctx.response().reset();
            return;
        }
        JsonObject body = new JsonObject()
                .put("type", TYPE_BASE + slug(status))
                .put("title", title)
                .put("status", status)
                .put("detail", detail)
                .put("instance", ctx.request().path());
        extensions.forEach(body::put);
        var resp = ctx.response().setStatusCode(status).putHeader("content-type", MEDIA_TYPE);
        if (status == 401) {
            resp.putHeader("www-authenticate", "Bearer realm=\"prism\"");
        }
        resp.end(body.encode());
    }

    public static void send(RoutingContext ctx, ApiException e) {
        send(ctx, e.status(), e.title(), e.getMessage(), e.extensions());
    }

    static String slug(int status) {
        return switch (status) {
            case 400 -> "bad-request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 413 -> "content-too-large";
            case 415 -> "unsupported-media-type";
            case 416 -> "range-not-satisfiable";
            case 422 -> "unprocessable-content";
            case 503 -> "unavailable";
            default -> "server-error";
        };
    }
}
