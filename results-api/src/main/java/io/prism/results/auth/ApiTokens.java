package io.prism.results.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * API tokens from configuration ({@code PRISM_TOKENS}, the format ingest uses too):
 * {@code name:secret:scope1+scope2,name2:secret2:scope}. Clients send {@code Authorization: Bearer <secret>}.
 *
 * <p>Secrets are kept only as SHA-256 digests and compared with {@link MessageDigest#isEqual} against every
 * configured token (no early exit), so the time taken says nothing about how much of a secret was right.
 */
public final class ApiTokens {

    /** What a token may do. {@code admin} implies every other scope. */
    public enum Scope {
        READ, SUBMIT, ADMIN;

        static Scope parse(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown scope '" + s + "' (known: read, submit, admin)");
            }
        }
    }

    /** An authenticated caller. */
    public record Principal(String name, Set<Scope> scopes) {
        public boolean has(Scope scope) {
            return scopes.contains(Scope.ADMIN) || scopes.contains(scope);
        }
    }

    private record Entry(String name, byte[] digest, Set<Scope> scopes) {}

    private final List<Entry> entries;
    private final boolean developmentDefault;

    private ApiTokens(List<Entry> entries, boolean developmentDefault) {
        this.entries = List.copyOf(entries);
        this.developmentDefault = developmentDefault;
    }

    public static ApiTokens none() {
        return new ApiTokens(List.of(), false);
    }

    /** True when the tokens are the well-known development default. */
    public boolean isDevelopmentDefault() {
        return developmentDefault;
    }

    /** Parses {@code name:secret:scope+scope,...}; fails naming the malformed entry (never echoing its secret). */
    public static ApiTokens parse(String spec) {
        List<Entry> list = new ArrayList<>();
        if (spec == null || spec.isBlank()) {
            return none();
        }
        int i = 0;
        for (String raw : spec.split(",")) {
            i++;
            String item = raw.trim();
            if (item.isEmpty()) continue;
            String[] parts = item.split(":", -1);
            if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
                throw new IllegalArgumentException("PRISM_TOKENS entry " + i + " must be name:secret:scope1+scope2");
            }
            if (parts[1].trim().length() < 8) {
                throw new IllegalArgumentException("PRISM_TOKENS entry " + i + " (" + parts[0] + "): secret shorter than 8 characters");
            }
            EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String s : parts[2].split("\\+")) {
                scopes.add(Scope.parse(s));
            }
            list.add(new Entry(parts[0].trim(), digest(parts[1].trim()), Set.copyOf(scopes)));
        }
        return new ApiTokens(list, spec.trim().equals(io.prism.results.ResultsApiConfig.DEV_TOKENS));
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The token's principal, if the presented secret matches one. */
    public Optional<Principal> authenticate(String presentedSecret) {
        if (presentedSecret == null || presentedSecret.isEmpty()) {
            return Optional.empty();
        }
        byte[] d = digest(presentedSecret);
        Entry match = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest, d) && match == null) {
                match = e;
            }
        }
        return match == null ? Optional.empty() : Optional.of(new Principal(match.name, match.scopes));
    }

    private static byte[] digest(String secret) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(secret.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
