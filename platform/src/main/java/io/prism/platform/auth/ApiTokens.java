package io.prism.platform.auth;

import io.prism.platform.blob.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * API tokens from configuration ({@code PRISM_TOKENS}, the same for every service):
 * {@code name:secret:scope+scope,...}, e.g. {@code farm:7f3c...:submit,ops:91ab...:submit+read+admin}. Clients send
 * {@code Authorization: Bearer <secret>}.
 *
 * <p>Only SHA-256 digests of the secrets are kept, and a presented secret is compared with every configured digest
 * in constant time ({@link MessageDigest#isEqual} on equal-length digests, no early exit), so neither the content nor
 * the length of a secret leaks through timing.
 */
public final class ApiTokens {
    /** The well-known development default: every service logs a warning when it runs with it. */
    public static final String DEV_TOKENS = "dev:prism-dev-token:submit+read+admin";

    private final List<Entry> entries;
    private final boolean developmentDefault;

    private record Entry(String name, byte[] digest, Set<Scope> scopes) {}

    /** Who presented a token and what it allows. */
    public record Principal(String name, Set<Scope> scopes) {
        public boolean allows(Scope s) {
            return scopes.contains(Scope.ADMIN) || scopes.contains(s);
        }
    }

    private ApiTokens(List<Entry> entries, boolean developmentDefault) {
        this.entries = List.copyOf(entries);
        this.developmentDefault = developmentDefault;
    }

    /** No tokens: every request needing one is refused. */
    public static ApiTokens none() {
        return new ApiTokens(List.of(), false);
    }

    /** Parses the configuration; fails naming the malformed entry, never echoing its secret. */
    public static ApiTokens parse(String spec) {
        if (spec == null || spec.isBlank()) {
            return none();
        }
        List<Entry> list = new ArrayList<>();
        int i = 0;
        for (String item : spec.split(",")) {
            i++;
            String t = item.trim();
            if (t.isEmpty()) continue;
            String[] parts = t.split(":", -1);
            if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
                throw new IllegalArgumentException("PRISM_TOKENS entry " + i + " must be name:secret:scope+scope");
            }
            if (parts[1].trim().length() < 8) {
                throw new IllegalArgumentException("PRISM_TOKENS entry " + i + " (" + parts[0].trim() + "): secret shorter than 8 characters");
            }
            EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String s : parts[2].split("\\+")) scopes.add(Scope.parse(s));
            list.add(new Entry(parts[0].trim(), digest(parts[1].trim()), Set.copyOf(scopes)));
        }
        return new ApiTokens(list, spec.trim().equals(DEV_TOKENS));
    }

    /** The principal of a presented secret, or empty when it matches none. Constant time in the secret. */
    public Optional<Principal> authenticate(String presented) {
        if (presented == null || presented.isEmpty()) return Optional.empty();
        byte[] d = digest(presented);
        Entry found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest, d) && found == null) {
                found = e;
            }
        }
        return found == null ? Optional.empty() : Optional.of(new Principal(found.name, found.scopes));
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    public boolean isDevelopmentDefault() {
        return developmentDefault;
    }

    private static byte[] digest(String token) {
        return Sha256.newDigest().digest(token.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String toString() {
        return "ApiTokens" + entries.stream().map(e -> e.name + e.scopes).toList();
    }
}
