package io.prism.ingest;

/**
 * A submission refused for a reason the submitter can act on (bad input, limits, auth). Carries a stable reason
 * code (the {@code reason} label of {@code prism_ingest_refused_total}), the HTTP status to answer, and a message
 * that says what was wrong. Anything else that fails is a server error and the submitter should retry.
 */
public final class Refusal extends RuntimeException {
    private final String code;
    private final int status;

    public Refusal(int status, String code, String message) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
    }

    public Refusal(int status, String code, String message, Throwable cause) {
        super(message, cause, false, false);
        this.status = status;
        this.code = code;
    }

    public String code() {
        return code;
    }

    public int status() {
        return status;
    }

    public static Refusal badRequest(String message) {
        return new Refusal(400, "bad_request", message);
    }

    public static Refusal badImage(String message) {
        return new Refusal(422, "bad_image", message);
    }

    public static Refusal tooLarge(String message) {
        return new Refusal(413, "too_large", message);
    }

    public static Refusal path(String message) {
        return new Refusal(403, "path_not_allowed", message);
    }
}
