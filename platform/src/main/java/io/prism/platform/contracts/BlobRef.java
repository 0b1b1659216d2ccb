package io.prism.platform.contracts;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.net.URI;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A reference to an immutable blob: where it is, what its bytes hash to, and (for images) its shape.
 * Messages carry these, never pixels.
 *
 * @param uri       content-addressed location, e.g. {@code blob:sha256:<hex>}
 * @param sha256    lowercase hex SHA-256 of the bytes
 * @param size      byte size
 * @param mediaType e.g. {@code image/x-exr}, {@code image/png}, {@code application/zip}
 * @param width     pixels, null when not an image
 * @param height    pixels, null when not an image
 * @param channels  channel count, null when not an image
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record BlobRef(URI uri, String sha256, long size, String mediaType, Integer width, Integer height, Integer channels) {
    private static final Pattern HEX64 = Pattern.compile("[0-9a-f]{64}");

    public BlobRef {
        Objects.requireNonNull(uri, "uri");
        Objects.requireNonNull(sha256, "sha256");
        if (!HEX64.matcher(sha256).matches()) {
            throw new IllegalArgumentException("sha256 must be 64 lowercase hex digits: " + sha256);
        }
        if (size < 0) {
            throw new IllegalArgumentException("size must be >= 0: " + size);
        }
        if (mediaType == null) {
            mediaType = "application/octet-stream";
        }
    }

    /** The same blob described as an image of the given shape. */
    public BlobRef withImage(int width, int height, int channels) {
        return new BlobRef(uri, sha256, size, mediaType, width, height, channels);
    }
}
