package io.prism.platform.auth;

import io.prism.platform.auth.ApiTokens.Principal;
import io.prism.platform.http.Problem;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.PlatformHandler;
import java.util.EnumSet;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Who may make a request: reads {@code Authorization: Bearer <token>}, finds the token's principal in
 * {@link ApiTokens} and checks that it holds the scope a route needs. Every service checks tokens this one way, so
 * the same header gets the same answer (401 without a valid token, 403 without the scope) from each of them.
 *
 * <p>A refusal is a {@link Problem} whose {@code code} member says which rule failed: {@code missing_token} (no
 * header, or not a Bearer one), {@code wrong_token} (no such token) or {@code missing_scope}. Immutable.
 */
public final class BearerAuth {
    /** Where {@link #require} leaves the caller's {@link Principal} in the routing context (absent when anonymous). */
    public static final String PRINCIPAL = "prism.principal";
    private static final String SCHEME = "Bearer ";

    private final ApiTokens tokens;
    private final Set<Scope> anonymous;
    private final BiConsumer<RoutingContext, Problem> onRefusal;

    /** The answer to one request: a principal (null when anonymous access is allowed), or a refusal. */
    public record Outcome(Principal principal, Problem refusal) {
        public boolean allowed() {
            return refusal == null;
        }
    }

    public BearerAuth(ApiTokens tokens) {
        this(tokens, EnumSet.noneOf(Scope.class), (ctx, p) -> {});
    }

    private BearerAuth(ApiTokens tokens, Set<Scope> anonymous, BiConsumer<RoutingContext, Problem> onRefusal) {
        this.tokens = tokens;
        this.anonymous = anonymous.isEmpty() ? EnumSet.noneOf(Scope.class) : EnumSet.copyOf(anonymous);
        this.onRefusal = onRefusal;
    }

    /** This check, letting requests without any Authorization header through to routes needing {@code scope}. */
    public BearerAuth allowingAnonymous(Scope scope) {
        Set<Scope> s = EnumSet.of(scope);
        s.addAll(anonymous);
        return new BearerAuth(tokens, s, onRefusal);
    }

    /** This check, telling {@code listener} of each refusal (to log or count it) before the refusal is answered. */
    public BearerAuth onRefusal(BiConsumer<RoutingContext, Problem> listener) {
        return new BearerAuth(tokens, anonymous, listener);
    }

    /** Checks one request's Authorization header (null when absent) against the scope its route needs. */
    public Outcome check(String authorization, Scope scope) {
        if (authorization == null || authorization.isBlank()) {
            return anonymous.contains(scope) ? new Outcome(null, null)
                    : refuse(401, "missing_token", "an API token is required: send 'Authorization: Bearer <token>'");
        }
        String secret = secret(authorization);
        if (secret == null) {
            return refuse(401, "missing_token", "the Authorization header is not 'Bearer <token>'");
        }
        var principal = tokens.authenticate(secret);
        if (principal.isEmpty()) {
            return refuse(401, "wrong_token", "unknown API token");
        }
        if (!principal.get().allows(scope)) {
            return refuse(403, "missing_scope", "token '" + principal.get().name() + "' lacks the '" + scope.label() + "' scope");
        }
        return new Outcome(principal.get(), null);
    }

    /**
     * A handler for routes needing {@code scope}: lets the request on with its principal under {@link #PRINCIPAL},
     * or answers the refusal. A platform handler, because Vert.x runs those before body handling: the body of a
     * refused request (an upload) is never read.
     */
    public PlatformHandler require(Scope scope) {
        return ctx -> {
            Outcome o = check(ctx.request().getHeader("authorization"), scope);
            if (!o.allowed()) {
                onRefusal.accept(ctx, o.refusal());
                o.refusal().send(ctx);
                return;
            }
            if (o.principal() != null) ctx.put(PRINCIPAL, o.principal());
            ctx.next();
        };
    }

    /** The principal {@link #require} found for this request; null when it came in anonymously. */
    public static Principal principal(RoutingContext ctx) {
        return ctx.get(PRINCIPAL);
    }

    /** The token of a {@code Bearer} Authorization header (scheme case-insensitive), or null when there is none. */
    static String secret(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) return null;
        String s = authorization.substring(SCHEME.length()).trim();
        return s.isEmpty() ? null : s;
    }

    private static Outcome refuse(int status, String code, String detail) {
        return new Outcome(null, Problem.of(status, detail).with("code", code));
    }
}
