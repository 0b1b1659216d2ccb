package io.prism.blob.s3;

import io.prism.platform.blob.BlobNotFoundException;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.blob.Sha256;
import io.prism.platform.blob.VerifyingInputStream;
import io.prism.platform.contracts.BlobRef;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.http.apache.ApacheHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchBucketException;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Content-addressed blobs in an S3-compatible bucket (AWS S3, MinIO, Ceph RGW): object key
 * {@code <prefix>sha256/ab/cd/<sha>}, so services on different machines share blobs by reference.
 *
 * <p>The guarantees are those of {@link io.prism.platform.blob.FileBlobStore}:
 * <ul>
 * <li><b>Nothing partial is visible.</b> The key is the SHA-256 of the bytes, so it is only known once the whole
 * stream has been read. A blob that fits in one part is hashed in memory and written with one PUT (atomic in S3).
 * A larger one is hashed while it is spooled to a local file, then uploaded in parts; S3 shows a multipart object
 * only after CompleteMultipartUpload, and any failure aborts the upload so its parts are dropped too.</li>
 * <li><b>Bytes are checked in transit.</b> Every PUT and part carries Content-MD5, which the server verifies
 * (MinIO, Ceph and AWS all do); the size is checked after the upload.</li>
 * <li><b>Reads are verified.</b> {@link #open} wraps the object stream in {@link VerifyingInputStream}.</li>
 * </ul>
 * Thread-safe: the AWS client is, and each call keeps its own state.
 */
public final class S3BlobStore implements BlobStore {
    private static final Logger LOG = LoggerFactory.getLogger(S3BlobStore.class);
    private static final String DEFAULT_TYPE = "application/octet-stream";

    private final S3Client s3;
    private final S3Config config;
    private final boolean ownsClient;

    /** Uses a client the caller built and keeps (not closed with the store). */
    public S3BlobStore(S3Client s3, S3Config config) {
        this(s3, config, false);
    }

    private S3BlobStore(S3Client s3, S3Config config, boolean ownsClient) {
        this.s3 = s3;
        this.config = config;
        this.ownsClient = ownsClient;
    }

    /** Builds a client from the config, checks the bucket (creating it if configured) and returns the store. */
    public static S3BlobStore open(S3Config config) throws IOException {
        S3Client client = clientBuilder(config).build();
        try {
            S3BlobStore store = new S3BlobStore(client, config, true);
            store.checkBucket();
            LOG.info("event=blob-store-opened kind=s3 config={}", config);
            return store;
        } catch (IOException | RuntimeException e) {
            client.close();
            throw e;
        }
    }

    /**
     * A client builder for the config: path-style addressing for MinIO/Ceph, static or default-chain credentials,
     * and the SDK's newer default checksums (CRC trailers in aws-chunked bodies) switched to "when required",
     * since several S3-compatible servers reject them. Integrity comes from Content-MD5 and SHA-256 instead.
     */
    public static S3ClientBuilder clientBuilder(S3Config config) {
        AwsCredentialsProvider credentials = config.accessKey() != null
                ? StaticCredentialsProvider.create(AwsBasicCredentials.create(config.accessKey(), config.secretKey()))
                : DefaultCredentialsProvider.builder().build();
        S3ClientBuilder b = S3Client.builder()
                .region(Region.of(config.region()))
                .credentialsProvider(credentials)
                .forcePathStyle(config.pathStyle())
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                .httpClientBuilder(ApacheHttpClient.builder()
                        .maxConnections(32)
                        .connectionTimeout(Duration.ofSeconds(10))
                        .socketTimeout(Duration.ofSeconds(60)));
        if (config.endpoint() != null) {
            b.endpointOverride(config.endpoint());
        }
        return b;
    }

    public S3Config config() {
        return config;
    }

    private void checkBucket() throws IOException {
        try {
            s3.headBucket(r -> r.bucket(config.bucket()));
        } catch (NoSuchBucketException e) {
            createOrFail(e);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                createOrFail(e);
            } else {
                throw io("cannot access bucket " + config.bucket(), e);
            }
        } catch (SdkException e) {
            throw io("cannot reach S3 endpoint " + config.endpoint() + " for bucket " + config.bucket(), e);
        }
    }

    private void createOrFail(S3Exception notFound) throws IOException {
        if (!config.createBucket()) {
            throw new IOException("bucket " + config.bucket() + " does not exist at " + endpointName()
                    + " (create it, or set PRISM_S3_CREATE_BUCKET=true)", notFound);
        }
        try {
            s3.createBucket(r -> r.bucket(config.bucket()));
            LOG.info("event=bucket-created bucket={}", config.bucket());
        } catch (SdkException e) {
            throw io("cannot create bucket " + config.bucket(), e);
        }
    }

    @Override
    public BlobRef put(InputStream in, String mediaType) throws IOException {
        String type = mediaType == null ? DEFAULT_TYPE : mediaType;
        MessageDigest sha = Sha256.newDigest();
        // Up to one part in memory: most frames' layers and all metadata blobs end here.
        byte[] head = in.readNBytes(config.partSize());
        sha.update(head);
        if (head.length < config.partSize()) {
            String digest = HexFormat.of().formatHex(sha.digest());
            if (!alreadyStored(digest, head.length)) {
                putSingle(config.keyOf(digest), head, head.length, type);
            }
            return ref(digest, head.length, type);
        }
        Files.createDirectories(config.spoolDir());
        Path spool = Files.createTempFile(config.spoolDir(), "prism-s3-", ".spool");
        try {
            long size = head.length;
            try (OutputStream out = Files.newOutputStream(spool)) {
                out.write(head);
                head = null; // let the first part go before the rest streams through
                byte[] buf = new byte[1 << 16];
                int n;
                while ((n = in.read(buf)) > 0) {
                    sha.update(buf, 0, n);
                    out.write(buf, 0, n);
                    size += n;
                }
            }
            String digest = HexFormat.of().formatHex(sha.digest());
            if (!alreadyStored(digest, size)) {
                putMultipart(config.keyOf(digest), spool, size, type);
            }
            return ref(digest, size, type);
        } finally {
            Files.deleteIfExists(spool);
        }
    }

    /** True when an intact-looking copy is there; a copy of the wrong size is damaged and gets written over. */
    private boolean alreadyStored(String sha256, long size) throws IOException {
        Optional<HeadObjectResponse> head = head(config.keyOf(sha256));
        if (head.isEmpty()) {
            return false;
        }
        if (head.get().contentLength() != size) {
            LOG.warn("event=blob-damaged-rewritten sha256={} storedSize={} size={}", sha256, head.get().contentLength(), size);
            return false;
        }
        return true;
    }

    private void putSingle(String key, byte[] bytes, int length, String type) throws IOException {
        try {
            s3.putObject(r -> r.bucket(config.bucket()).key(key).contentType(type).contentLength((long) length)
                            .contentMD5(md5Base64(bytes, length)),
                    RequestBody.fromContentProvider(() -> new ByteArrayInputStream(bytes, 0, length), length, type));
        } catch (SdkException e) {
            throw io("cannot store blob " + key, e);
        }
    }

    private void putMultipart(String key, Path file, long size, String type) throws IOException {
        String uploadId;
        try {
            uploadId = s3.createMultipartUpload(r -> r.bucket(config.bucket()).key(key).contentType(type)).uploadId();
        } catch (SdkException e) {
            throw io("cannot start multipart upload of " + key, e);
        }
        try {
            List<CompletedPart> parts = new ArrayList<>();
            byte[] buf = new byte[config.partSize()];
            try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
                long offset = 0;
                for (int partNumber = 1; offset < size; partNumber++) {
                    int len = (int) Math.min(buf.length, size - offset);
                    readFully(ch, buf, len);
                    int pn = partNumber;
                    String etag = s3.uploadPart(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId)
                                    .partNumber(pn).contentLength((long) len).contentMD5(md5Base64(buf, len)),
                            RequestBody.fromContentProvider(() -> new ByteArrayInputStream(buf, 0, len), len, type)).eTag();
                    parts.add(CompletedPart.builder().partNumber(pn).eTag(etag).build());
                    offset += len;
                }
            }
            s3.completeMultipartUpload(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId)
                    .multipartUpload(m -> m.parts(parts)));
            long stored = head(key).map(HeadObjectResponse::contentLength).orElse(-1L);
            if (stored != size) {
                // Cannot happen with a conforming server; if it does, do not leave a wrong object under the digest.
                deleteKey(key);
                throw new IOException("multipart upload of " + key + " stored " + stored + " bytes, expected " + size);
            }
            LOG.debug("event=multipart-uploaded key={} size={} parts={}", key, size, parts.size());
        } catch (IOException | RuntimeException | Error e) {
            abort(key, uploadId, e);
            if (e instanceof SdkException s) {
                throw io("multipart upload of " + key + " failed and was aborted", s);
            }
            throw e;
        }
    }

    /** Aborting drops the uploaded parts: an interrupted upload leaves nothing visible and nothing billed. */
    private void abort(String key, String uploadId, Throwable cause) {
        try {
            s3.abortMultipartUpload(r -> r.bucket(config.bucket()).key(key).uploadId(uploadId));
            LOG.warn("event=multipart-aborted key={} reason={}", key, cause.toString());
        } catch (RuntimeException e) {
            // The object was never completed, so it is not visible either way; a bucket lifecycle rule
            // (AbortIncompleteMultipartUpload, see deploy/README.md) reclaims the parts.
            cause.addSuppressed(e);
            LOG.error("event=multipart-abort-failed key={} uploadId={}", key, uploadId, e);
        }
    }

    private static void readFully(FileChannel ch, byte[] buf, int len) throws IOException {
        ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
        while (bb.hasRemaining()) {
            if (ch.read(bb) < 0) {
                throw new IOException("spool file ended early");
            }
        }
    }

    @Override
    public InputStream open(BlobRef ref) throws IOException {
        String key = config.keyOf(ref.sha256());
        try {
            return new VerifyingInputStream(s3.getObject(r -> r.bucket(config.bucket()).key(key)), ref);
        } catch (NoSuchKeyException e) {
            throw notFound(ref.sha256());
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw notFound(ref.sha256());
            }
            throw io("cannot read blob " + key, e);
        } catch (SdkException e) {
            throw io("cannot read blob " + key, e);
        }
    }

    @Override
    public Optional<BlobRef> find(String sha256) throws IOException {
        return head(config.keyOf(sha256)).map(h -> ref(sha256, h.contentLength(),
                h.contentType() == null ? DEFAULT_TYPE : h.contentType()));
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        String key = config.keyOf(sha256);
        // S3 deletes are idempotent and do not say whether the key existed: ask first.
        if (head(key).isEmpty()) {
            return false;
        }
        deleteKey(key);
        return true;
    }

    private void deleteKey(String key) throws IOException {
        try {
            s3.deleteObject(r -> r.bucket(config.bucket()).key(key));
        } catch (SdkException e) {
            throw io("cannot delete " + key, e);
        }
    }

    private Optional<HeadObjectResponse> head(String key) throws IOException {
        try {
            return Optional.of(s3.headObject(r -> r.bucket(config.bucket()).key(key)));
        } catch (NoSuchKeyException e) {
            return Optional.empty();
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw io("cannot look up " + key, e);
        } catch (SdkException e) {
            throw io("cannot look up " + key, e);
        }
    }

    private BlobRef ref(String sha256, long size, String type) {
        return new BlobRef(BlobStore.uriOf(sha256), sha256, size, type, null, null, null);
    }

    private BlobNotFoundException notFound(String sha256) {
        return new BlobNotFoundException("no blob " + sha256 + " in s3 bucket " + config.bucket() + " at " + endpointName());
    }

    private String endpointName() {
        return config.endpoint() == null ? "AWS " + config.region() : config.endpoint().toString();
    }

    private static IOException io(String message, SdkException e) {
        return new IOException(message + ": " + e.getMessage(), e);
    }

    private static String md5Base64(byte[] bytes, int length) {
        try {
            MessageDigest md5 = MessageDigest.getInstance("MD5");
            md5.update(bytes, 0, length);
            return Base64.getEncoder().encodeToString(md5.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() {
        if (ownsClient) {
            s3.close();
        }
    }
}
