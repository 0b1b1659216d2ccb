package io.prism.results.http;

import io.prism.platform.http.Problem;
import io.prism.platform.blob.BlobNotFoundException;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams immutable blobs over HTTP: {@code ETag} is the blob's SHA-256 (strong), {@code If-None-Match} answers 304,
 * a single {@code Range: bytes=} range answers 206 ({@code If-Range} honoured), an unsatisfiable one 416.
 *
 * <p>Bytes come through the {@link BlobStore} interface (file or S3 alike), read on a worker thread in chunks
 * with back-pressure. A whole-blob response holds back its last chunk until the store has verified size and
 * SHA-256 at end of stream; if verification fails the connection is reset, so a client never receives a complete
 * {@code Content-Length} of corrupted bytes. (Range responses cannot be verified without reading the whole blob.)
 */
public final class BlobResponses {
    private static final Logger LOG = LoggerFactory.getLogger(BlobResponses.class);
    private static final int CHUNK = 64 * 1024;
    private static final Pattern RANGE = Pattern.compile("^bytes=(\\d*)-(\\d*)$");

    private final Vertx vertx;
    private final BlobStore blobs;

    public BlobResponses(Vertx vertx, BlobStore blobs) {
        this.vertx = vertx;
        this.blobs = blobs;
    }

    /** Serves the blob; {@code contentType} overrides the reference's media type when not null. */
    public void send(RoutingContext ctx, BlobRef ref, String contentType, String downloadName) {
        HttpServerResponse resp = ctx.response();
        String etag = "\"" + ref.sha256() + "\"";
        String type = contentType != null ? contentType : ref.mediaType();
        resp.putHeader("etag", etag)
                .putHeader("accept-ranges", "bytes")
                .putHeader("cache-control", "private, max-age=31536000, immutable")
                .putHeader("content-type", type)
                .putHeader("x-content-type-options", "nosniff");
        if (downloadName != null) {
            resp.putHeader("content-disposition", "inline; filename=\"" + downloadName + "\"");
        }
        if (matches(ctx.request().getHeader("if-none-match"), etag)) {
            resp.setStatusCode(304).end();
            return;
        }
        long size = ref.size();
        long start = 0;
        long length = size;
        String range = ctx.request().getHeader("range");
        String ifRange = ctx.request().getHeader("if-range");
        if (range != null && (ifRange == null || ifRange.trim().equals(etag))) {
            long[] r = parseRange(range, size);
            if (r == null) {
                // Several ranges or a malformed header: RFC 9110 lets a server ignore Range and send it all.
            } else if (r.length == 0) {
                resp.putHeader("content-range", "bytes */" + size);
                Problem.of(416, "range '" + range + "' lies outside the " + size + " bytes of this blob").send(ctx);
                return;
            } else {
                start = r[0];
                length = r[1] - r[0] + 1;
                resp.setStatusCode(206).putHeader("content-range", "bytes " + r[0] + "-" + r[1] + "/" + size);
            }
        }
        resp.putHeader("content-length", Long.toString(length));
        if (ctx.request().method() == HttpMethod.HEAD) {
            resp.end();
            return;
        }
        final long skip = start;
        final long len = length;
        final boolean whole = start == 0 && length == size;
        vertx.<InputStream>executeBlocking(() -> {
            InputStream in = blobs.open(ref);
            try {
                in.skipNBytes(skip);
            } catch (IOException | RuntimeException e) {
                in.close();
                throw e;
            }
            return in;
        }, false).onComplete(ar -> {
            if (ar.failed()) {
                Throwable e = ar.cause();
                if (e instanceof BlobNotFoundException) {
                    LOG.error("event=blob-missing sha256={} path={}", ref.sha256(), ctx.request().path());
                    Problem.of(500, "the blob store does not hold blob " + ref.sha256()).send(ctx);
                } else {
                    LOG.error("event=blob-open-failed sha256={} reason={}", ref.sha256(), e.toString());
                    Problem.of(500, "cannot read blob " + ref.sha256()).send(ctx);
                }
                return;
            }
            new Pump(ctx, ar.result(), len, whole, ref).next(null);
        });
    }

    /** Moves chunks from the blob stream to the response, one blocking read at a time, pausing while the socket is full. */
    private final class Pump {
        private final RoutingContext ctx;
        private final InputStream in;
        private final boolean verifyAtEnd;
        private final BlobRef ref;
        private long remaining;

        Pump(RoutingContext ctx, InputStream in, long length, boolean verifyAtEnd, BlobRef ref) {
            this.ctx = ctx;
            this.in = in;
            this.remaining = length;
            this.verifyAtEnd = verifyAtEnd;
            this.ref = ref;
            ctx.response().closeHandler(v -> closeQuietly());
        }

        /** Reads the next chunk, then writes the previous one (held back until the read after it succeeded). */
        void next(Buffer held) {
            vertx.<Buffer>executeBlocking(() -> {
                int want = (int) Math.min(CHUNK, remaining);
                byte[] b = in.readNBytes(want);
                remaining -= b.length;
                if (remaining == 0 && verifyAtEnd && b.length == want) {
                    // Drive the verifying stream to EOF: it checks size and SHA-256 there.
                    if (in.read() != -1) {
                        throw new IOException("blob " + ref.sha256() + " is longer than its recorded " + ref.size() + " bytes");
                    }
                }
                if (b.length < want) {
                    throw new IOException("blob " + ref.sha256() + " ended early");
                }
                return Buffer.buffer(b);
            }, false).onComplete(ar -> {
                HttpServerResponse resp = ctx.response();
                if (ar.failed()) {
                    LOG.error("event=blob-stream-failed sha256={} reason={}", ref.sha256(), ar.cause().toString());
                    closeQuietly();
                    if (!resp.headWritten()) {
                        for (String h : new String[] {"content-length", "content-range", "etag", "cache-control", "content-disposition", "accept-ranges"}) {
                            resp.headers().remove(h);
                        }
                        Problem.of(500, "blob " + ref.sha256() + " failed verification: " + ar.cause().getMessage()).send(ctx);
                    } else {
                        resp.reset();
                    }
                    return;
                }
                if (resp.closed()) {
                    closeQuietly();
                    return;
                }
                if (held != null) {
                    resp.write(held);
                }
                Buffer chunk = ar.result();
                if (remaining == 0) {
                    closeQuietly();
                    resp.end(chunk);
                } else if (resp.writeQueueFull()) {
                    resp.drainHandler(v -> next(chunk));
                } else {
                    next(chunk);
                }
            });
        }

        private void closeQuietly() {
            try {
                in.close();
            } catch (IOException ignored) {
                // nothing left to do with it
            }
        }
    }

    static boolean matches(String ifNoneMatch, String etag) {
        if (ifNoneMatch == null) return false;
        for (String t : ifNoneMatch.split(",")) {
            String s = t.trim();
            if (s.startsWith("W/")) s = s.substring(2);
            if (s.equals("*") || s.equals(etag)) return true;
        }
        return false;
    }

    /**
     * One byte range: {@code [first, last]} inclusive; an empty array when unsatisfiable; null when the header is
     * not a single well-formed byte range (then the whole blob is sent).
     */
    static long[] parseRange(String header, long size) {
        Matcher m = RANGE.matcher(header.trim());
        if (!m.matches()) return null;
        String a = m.group(1);
        String b = m.group(2);
        try {
            if (a.isEmpty()) {
                if (b.isEmpty()) return null;
                long suffix = Long.parseLong(b);
                if (suffix == 0 || size == 0) return new long[0];
                return new long[] {Math.max(0, size - suffix), size - 1};
            }
            long first = Long.parseLong(a);
            long last = b.isEmpty() ? size - 1 : Math.min(Long.parseLong(b), size - 1);
            if (!b.isEmpty() && Long.parseLong(b) < first) return null;
            if (first >= size) return new long[0];
            return new long[] {first, last};
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
