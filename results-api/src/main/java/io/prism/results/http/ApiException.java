package io.prism.results.http;

import io.prism.platform.http.Problem;
import java.util.Map;

/**
 * A request that cannot be answered as asked; becomes an RFC 9457 problem document ({@link Problem}).
 * {@code extensions} are extra members of the problem (e.g. which parameter was wrong).
 */
public final class ApiException extends RuntimeException {
    private final int status;
    private final String title;
    private final Map<String, Object> extensions;

    public ApiException(int status, String title, String detail, Map<String, Object> extensions) {
        super(detail);
        this.status = status;
        this.title = title;
        this.extensions = extensions == null ? Map.of() : Map.copyOf(extensions);
    }

    public static ApiException badRequest(String detail) {
        return new ApiException(400, "Bad Request", detail, Map.of());
    }

    public static ApiException badParameter(String name, String detail) {
        return new ApiException(400, "Bad Request", detail, Map.of("parameter", name));
    }

    public static ApiException notFound(String detail) {
        return new ApiException(404, "Not Found", detail, Map.of());
    }

    public static ApiException unprocessable(String detail) {
        return new ApiException(422, "Unprocessable Content", detail, Map.of());
    }

    /** The answer to send. */
    public Problem problem() {
        return new Problem(status, title, getMessage(), extensions);
    }

    public int status() { return status; }
    public String title() { return title; }
    public Map<String, Object> extensions() { return extensions; }
}
