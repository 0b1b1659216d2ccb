package io.prism.platform.http;

import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * An error answer in RFC 9457's problem-details shape, the same for every Prism service: {@code application/problem+json}
 * with {@code type} (a documented URI per status), {@code title}, {@code status}, {@code detail} (what was wrong, for a
 * person) and {@code instance} (the request path), plus extension members a service adds (results-api's
 * {@code parameter}, ingest's refusal {@code code}). One shape, so clients parse one thing whichever service answered.
 */
public record Problem(int status, String title, String detail, Map<String, Object> extensions) {
    public static final String MEDIA_TYPE = "application/problem+json";
    /** Problem types are documented (results-api's openapi.yaml) under this base, one per status. */
    public static final String TYPE_BASE = "https://prism.dev/problems/";
    /** What a 401 answer names as the way to authenticate. */
    public static final String BEARER_CHALLENGE = "Bearer realm=\"prism\"";

    public Problem {
        if (status < 400 || status > 599) throw new IllegalArgumentException("a problem has a 4xx or 5xx status, got " + status);
        if (title == null || title.isBlank()) title = titleOf(status);
        detail = detail == null || detail.isBlank() ? title : detail;
        extensions = Map.copyOf(extensions == null ? Map.of() : extensions);
    }

    /** A problem with the standard title of its status. */
    public static Problem of(int status, String detail) {
        return new Problem(status, titleOf(status), detail, Map.of());
    }

    /** This problem with one more extension member. */
    public Problem with(String member, Object value) {
        Map<String, Object> m = new LinkedHashMap<>(extensions);
        m.put(member, value);
        return new Problem(status, title, detail, m);
    }

    /** The problem type URI: {@link #TYPE_BASE} and the status's slug. */
    public String type() {
        return TYPE_BASE + slug(status);
    }

    /** The problem document; {@code instance} is left out when null. */
    public JsonObject toJson(String instance) {
        JsonObject body = new JsonObject().put("type", type()).put("title", title).put("status", status).put("detail", detail);
        if (instance != null) body.put("instance", instance);
        extensions.forEach(body::put);
        return body;
    }

    /**
     * Answers the request with this problem ({@code instance} = the request path; a 401 also carries
     * {@code WWW-Authenticate}). Once headers are out (a stream broke midway) a document can no longer be sent: the
     * connection is reset so the client notices. Does nothing on an ended response.
     */
    public void send(RoutingContext ctx) {
        HttpServerResponse resp = ctx.response();
        if (resp.ended()) return;
        if (resp.headWritten()) {
            resp.reset();
            return;
        }
        resp.setStatusCode(status).putHeader("content-type", MEDIA_TYPE);
        if (status == 401) resp.putHeader("www-authenticate", BEARER_CHALLENGE);
        resp.end(toJson(ctx.request().path()).encode());
    }

    /** The standard (RFC 9110) reason phrase of a status. */
    public static String titleOf(int status) {
        return switch (status) {
            case 400 -> "Bad Request";
            case 401 -> "Unauthorized";
            case 403 -> "Forbidden";
            case 404 -> "Not Found";
            case 405 -> "Method Not Allowed";
            case 409 -> "Conflict";
            case 413 -> "Content Too Large";
            case 415 -> "Unsupported Media Type";
            case 416 -> "Range Not Satisfiable";
            case 422 -> "Unprocessable Content";
            case 503 -> "Service Unavailable";
            case 500 -> "Internal Server Error";
            default -> status < 500 ? "Client Error" : "Server Error";
        };
    }

    static String slug(int status) {
        return switch (status) {
            case 400 -> "bad-request";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not-found";
            case 405 -> "method-not-allowed";
            case 409 -> "conflict";
            case 413 -> "content-too-large";
            case 415 -> "unsupported-media-type";
            case 416 -> "range-not-satisfiable";
            case 422 -> "unprocessable-content";
            case 503 -> "unavailable";
            default -> status < 500 ? "client-error" : "server-error";
        };
    }
}
