package io.prism.results.http;

import io.prism.results.db.FrameRepository.FrameKey;
import io.prism.results.db.JobRepository.JobKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;

/**
 * Opaque keyset cursors. A cursor names the last row of a page by its position in the listing's total order
 * (never an offset), so rows inserted or changed while a client pages neither shift nor repeat the rows it has not
 * seen yet. The encoding is base64url of a versioned text; clients must treat it as opaque.
 */
public final class Cursor {
    private Cursor() {}

    public static String frame(FrameKey k) {
        return encode("f1:" + k.frameNumber() + ":" + k.frameVersion() + ":" + k.layer());
    }

    public static FrameKey frame(String cursor) {
        String[] p = decode(cursor, "f1").split(":", 3);
        try {
            return new FrameKey(Integer.parseInt(p[0]), p[2], Integer.parseInt(p[1]));
        } catch (RuntimeException e) {
            throw invalid();
        }
    }

    /** A job's position: its creation time in epoch microseconds (the database's precision) and its id. */
    public static String job(JobKey k) {
        return encode("j1:" + ChronoUnit.MICROS.between(Instant.EPOCH, k.createdAt()) + ":" + k.id());
    }

    public static JobKey job(String cursor) {
        String[] p = decode(cursor, "j1").split(":", 2);
        try {
            return new JobKey(Instant.EPOCH.plus(Long.parseLong(p[0]), ChronoUnit.MICROS), p[1]);
        } catch (RuntimeException e) {
            throw invalid();
        }
    }

    private static String encode(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }

    private static String decode(String cursor, String kind) {
        String s;
        try {
            s = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            throw invalid();
        }
        if (!s.startsWith(kind + ":")) {
            throw invalid();
        }
        return s.substring(kind.length() + 1);
    }

    private static ApiException invalid() {
        return ApiException.badParameter("cursor", "cursor is not one this API handed out (use the 'next' value of a previous page)");
    }
}
