package io.prism.trainer.admin;

import io.prism.platform.blob.Sha256;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The admin endpoints' tokens, from {@code PRISM_TOKENS} in the format the other services read
 * ({@code name:secret:scope+scope,...}); the admin endpoints accept only tokens with the {@code admin} scope. Secrets are held as
 * SHA-256 digests and compared against every entry with {@link MessageDigest#isEqual} (no early exit).
 */
public final class AdminTokens {
    private record Entry(String name, byte[] digest, boolean admin) {}

    /** Who presented a known token, and whether it has the admin scope. */
    public record Caller(String name, boolean admin) {}

    private final List<Entry> admins;

    private AdminTokens(List<Entry> admins) {
        this.admins = List.copyOf(admins);
    }

    public static AdminTokens parse(String spec) {
        List<Entry> list = new ArrayList<>();
        int i = 0;
        for (String raw : spec == null ? new String[0] : spec.split(",")) {
            i++;
            String item = raw.trim();
            if (item.isEmpty()) continue;
            String[] parts = item.split(":", -1);
            if (parts.length != 3 || parts[0].isBlank() || parts[1].isBlank() || parts[2].isBlank()) {
                throw new IllegalArgumentException("PRISM_TOKENS entry " + i + " must be name:secret:scope1+scope2");
            }
            if (parts[1].length() < 8) {
                throw new IllegalArgumentException("PRISM_TOKENS entry " + i + " (" + parts[0] + "): secret shorter than 8 characters");
            }
            list.add(new Entry(parts[0].trim(), digest(parts[1].trim()), java.util.Arrays.asList(parts[2].toLowerCase().split("\\+")).contains("admin")));
        }
        return new AdminTokens(list);
    }

    /** The caller of a presented token, if it is a configured one. */
    public Optional<Caller> authenticate(String presented) {
        if (presented == null) return Optional.empty();
        byte[] d = digest(presented);
        Entry found = null;
        for (Entry e : admins) {
            if (MessageDigest.isEqual(e.digest, d) && found == null) found = e;
        }
        return found == null ? Optional.empty() : Optional.of(new Caller(found.name, found.admin));
    }

    private static byte[] digest(String s) {
        return Sha256.newDigest().digest(s.getBytes(StandardCharsets.UTF_8));
    }
}
