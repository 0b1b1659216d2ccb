package io.prism.blob.s3;

import io.prism.platform.config.Env;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;

/**
 * Where the S3 blob store keeps its blobs. Read from the environment when {@code PRISM_BLOB_STORE=s3}.
 *
 * <table>
 * <tr><th>variable</th><th>default</th><th>meaning</th></tr>
 * <tr><td>PRISM_S3_ENDPOINT</td><td>(AWS)</td><td>endpoint URL of an S3-compatible server, e.g. {@code http://minio:9000}</td></tr>
 * <tr><td>PRISM_S3_BUCKET</td><td>(required)</td><td>bucket holding the blobs</td></tr>
 * <tr><td>PRISM_S3_REGION</td><td>us-east-1</td><td>signing region (MinIO and Ceph accept us-east-1)</td></tr>
 * <tr><td>PRISM_S3_ACCESS_KEY</td><td>(AWS default chain)</td><td>access key id; unset: environment, profile, IRSA/instance role</td></tr>
 * <tr><td>PRISM_S3_SECRET_KEY</td><td>(AWS default chain)</td><td>secret access key, required with PRISM_S3_ACCESS_KEY</td></tr>
 * <tr><td>PRISM_S3_PREFIX</td><td>(none)</td><td>key prefix, so several installations can share a bucket</td></tr>
 * <tr><td>PRISM_S3_PATH_STYLE</td><td>true</td><td>path-style URLs ({@code endpoint/bucket/key}), what MinIO and Ceph expect</td></tr>
 * <tr><td>PRISM_S3_PART_SIZE</td><td>16777216</td><td>multipart part size in bytes (at least 5 MiB, S3's minimum); larger blobs upload in parts</td></tr>
 * <tr><td>PRISM_S3_CREATE_BUCKET</td><td>false</td><td>create the bucket at start-up if it is missing (single host / development)</td></tr>
 * <tr><td>PRISM_S3_SPOOL_DIR</td><td>java.io.tmpdir</td><td>local folder where blobs larger than one part are hashed before upload</td></tr>
 * </table>
 */
public record S3Config(URI endpoint, String bucket, String region, String accessKey, String secretKey, String prefix,
                       boolean pathStyle, int partSize, boolean createBucket, Path spoolDir) {

    /** S3 rejects multipart parts smaller than this (except the last). */
    public static final int MIN_PART_SIZE = 5 * 1024 * 1024;
    public static final int DEFAULT_PART_SIZE = 16 * 1024 * 1024;

    /** Every variable this record reads (deploy's manifest test checks manifests against these). */
    public static final List<String> VARIABLES = List.of("PRISM_S3_ENDPOINT", "PRISM_S3_BUCKET", "PRISM_S3_REGION",
            "PRISM_S3_ACCESS_KEY", "PRISM_S3_SECRET_KEY", "PRISM_S3_PREFIX", "PRISM_S3_PATH_STYLE", "PRISM_S3_PART_SIZE",
            "PRISM_S3_CREATE_BUCKET", "PRISM_S3_SPOOL_DIR");

    public S3Config {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalStateException("PRISM_S3_BUCKET is required when PRISM_BLOB_STORE=s3");
        }
        if ((accessKey == null) != (secretKey == null)) {
            throw new IllegalStateException("PRISM_S3_ACCESS_KEY and PRISM_S3_SECRET_KEY must be set together");
        }
        if (partSize < MIN_PART_SIZE) {
            throw new IllegalStateException("PRISM_S3_PART_SIZE=" + partSize + " is below S3's minimum part size of "
                    + MIN_PART_SIZE + " bytes");
        }
        prefix = normalizePrefix(prefix);
    }

    public static S3Config from(Env env) {
        String endpoint = env.str("PRISM_S3_ENDPOINT", null);
        URI uri = null;
        if (endpoint != null) {
            try {
                uri = URI.create(endpoint);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException("environment variable PRISM_S3_ENDPOINT='" + endpoint + "' is not a URL", e);
            }
            if (uri.getScheme() == null || uri.getHost() == null) {
                throw new IllegalStateException("environment variable PRISM_S3_ENDPOINT='" + endpoint
                        + "' must be a URL such as http://minio:9000");
            }
        }
        return new S3Config(
                uri,
                env.str("PRISM_S3_BUCKET", null),
                env.str("PRISM_S3_REGION", "us-east-1"),
                env.str("PRISM_S3_ACCESS_KEY", null),
                env.str("PRISM_S3_SECRET_KEY", null),
                env.str("PRISM_S3_PREFIX", ""),
                env.bool("PRISM_S3_PATH_STYLE", true),
                env.integer("PRISM_S3_PART_SIZE", DEFAULT_PART_SIZE),
                env.bool("PRISM_S3_CREATE_BUCKET", false),
                env.path("PRISM_S3_SPOOL_DIR", Path.of(System.getProperty("java.io.tmpdir"))));
    }

    /** The object key of a blob: {@code <prefix>sha256/ab/cd/<sha>}, the same layout as the file store. */
    public String keyOf(String sha256) {
        return prefix + "sha256/" + sha256.substring(0, 2) + "/" + sha256.substring(2, 4) + "/" + sha256;
    }

    private static String normalizePrefix(String p) {
        if (p == null || p.isBlank()) {
            return "";
        }
        String t = p.strip();
        while (t.startsWith("/")) {
            t = t.substring(1);
        }
        return t.isEmpty() || t.endsWith("/") ? t : t + "/";
    }

    @Override
    public String toString() {
        // Never log the secret.
        return "S3Config[endpoint=" + endpoint + ", bucket=" + bucket + ", region=" + region + ", prefix=" + prefix
                + ", pathStyle=" + pathStyle + ", partSize=" + partSize + ", credentials="
                + (accessKey == null ? "default chain" : "static") + "]";
    }
}
