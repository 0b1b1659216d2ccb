package io.prism.ingest.auth;

import io.prism.platform.blob.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * API tokens from configuration: {@code name:token:scope+scope,...}, e.g.
 * {@code farm:7f3c...:submit,ops:91ab...:submit+read+admin}. Only SHA-256 digests of the tokens are kept, and a
 * presented token is compared with every configured digest in constant time ({@link MessageDigest#isEqual} on
 * equal-length digests, no early exit), so neither the content nor the length of a token leaks through timing.
 */
public final class ApiTokens {
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

    public static ApiTokens parse(String spec) {
        List<Entry> list = new ArrayList<>();
        for (String item : spec.split(",")) {
            String t = item.trim();
            if (t.isEmpty()) continue;
            String[] parts = t.split(":");
            if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
                throw new IllegalArgumentException("token entry must be name:token:scope+scope, got '" + mask(t) + "'");
            }
            if (parts[1].length() < 8) {
                throw new IllegalArgumentException("token of '" + parts[0] + "' is shorter than 8 characters");
            }
            EnumSet<Scope> scopes = EnumSet.noneOf(Scope.class);
            for (String s : parts[2].split("\\+")) scopes.add(Scope.parse(s));
            list.add(new Entry(parts[0].trim(), digest(parts[1].trim()), scopes));
        }
        if (list.isEmpty()) {
            throw new IllegalArgumentException("no API tokens configured");
        }
        return new ApiTokens(list, spec.trim().equals(io.prism.ingest.IngestConfig.DEV_TOKENS));
    }

    /** The principal of a presented token, or empty when it matches none. Constant time in the token. */
    public Optional<Principal> authenticate(String presented) {
        if (presented == null) return Optional.empty();
        byte[] d = digest(presented);
        Entry found = null;
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.digest, d) && found == null) {
                found = e;
            }
        }
        return found == null ? Optional.empty() : Optional.of(new Principal(found.name, Set.copyOf(found.scopes)));
    }

    public boolean isDevelopmentDefault() {
        return developmentDefault;
    }

    private static byte[] digest(String token) {
        return Sha256.newDigest().digest(token.getBytes(StandardCharsets.UTF_8));
    }

    private static String mask(String entry) {
        int a = entry.indexOf(':');
        int b = entry.lastIndexOf(':');
        return a >= 0 && b > a ? entry.substring(0, a + 1) + "***" + entry.substring(b) : "***";
    }

    @Override
    public String toString() {
        return "ApiTokens" + entries.stream().map(e -> e.name + e.scopes).toList();
    }
}
