package io.prism.blob.s3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.blob.BlobStoreContract;
import io.prism.platform.blob.Sha256;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.service.ServiceContext;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStoreContext;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.interceptor.Context;
import software.amazon.awssdk.core.interceptor.ExecutionAttributes;
import software.amazon.awssdk.core.interceptor.ExecutionInterceptor;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Object;
import software.amazon.awssdk.services.s3.model.UploadPartRequest;

/**
 * The blob store contract on the S3 store, against a real S3 API server in this JVM: S3Proxy (HTTP, AWS SigV4,
 * path-style) over jclouds' in-memory store. Parts are S3's minimum 5 MiB so the large-blob tests go multipart.
 */
class S3BlobStoreTest extends BlobStoreContract {
    private static final String ACCESS = "prism-access";
    private static final String SECRET = "prism-secret-key";
    private static final int PART = S3Config.MIN_PART_SIZE;

    private static BlobStoreContext jclouds;
    private static S3Proxy proxy;
    private static URI endpoint;
    private static int bucketCounter;

    /** Counts UploadPart calls and, when armed, fails the Nth one the way a dropped connection would. */
    private final PartFaults faults = new PartFaults();
    private S3Client raw;
    private S3Config config;
    private S3BlobStore store;

    @BeforeAll
    static void startS3Server() throws Exception {
        jclouds = ContextBuilder.newBuilder("transient").credentials("identity", "credential").build(BlobStoreContext.class);
        proxy = S3Proxy.builder()
                .blobStore(jclouds.getBlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS, SECRET)
                .build();
        proxy.start();
        for (int i = 0; i < 200 && !"STARTED".equals(proxy.getState()); i++) {
            Thread.sleep(25);
        }
        assertThat(proxy.getState()).isEqualTo("STARTED");
        endpoint = URI.create("http://127.0.0.1:" + proxy.getPort());
    }

    @AfterAll
    static void stopS3Server() throws Exception {
        if (proxy != null) proxy.stop();
        if (jclouds != null) jclouds.close();
    }

    @BeforeEach
    void openStore() throws IOException {
        // A fresh bucket per test: the contract's "fresh and empty store".
        config = config("prism-test-" + (++bucketCounter), "studio-a/", scratch.resolve("spool"));
        raw = S3BlobStore.clientBuilder(config).overrideConfiguration(o -> o.addExecutionInterceptor(faults)).build();
        raw.createBucket(r -> r.bucket(config.bucket()));
        store = new S3BlobStore(raw, config);
    }

    @AfterEach
    void closeClient() {
        raw.close();
    }

    private static S3Config config(String bucket, String prefix, Path spool) {
        return S3Config.from(new Env(Map.of(
                "PRISM_S3_ENDPOINT", endpoint.toString(),
                "PRISM_S3_BUCKET", bucket,
                "PRISM_S3_ACCESS_KEY", ACCESS,
                "PRISM_S3_SECRET_KEY", SECRET,
                "PRISM_S3_PREFIX", prefix,
                "PRISM_S3_PART_SIZE", String.valueOf(PART),
                "PRISM_S3_SPOOL_DIR", spool.toString())));
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected int largeBlobSize() {
        return 2 * PART + 123_457; // three parts, the last one short
    }

    @Override
    protected void overwriteStored(String sha256, byte[] bytes) {
        raw.putObject(r -> r.bucket(config.bucket()).key(config.keyOf(sha256)), RequestBody.fromBytes(bytes));
    }

    @Override
    protected List<String> visibleObjects() {
        return raw.listObjectsV2Paginator(r -> r.bucket(config.bucket())).contents().stream().map(S3Object::key).toList();
    }

    @Override
    protected List<String> leftovers() throws IOException {
        List<String> left = new ArrayList<>();
        raw.listMultipartUploads(r -> r.bucket(config.bucket())).uploads()
                .forEach(u -> left.add("upload " + u.key() + " " + u.uploadId()));
        if (Files.isDirectory(config.spoolDir())) {
            try (Stream<Path> files = Files.list(config.spoolDir())) {
                files.forEach(f -> left.add(f.toString()));
            }
        }
        return left;
    }

    @Test
    void keysAreContentAddressedUnderThePrefix() throws Exception {
        BlobRef ref = store.put("albedo".getBytes(), "image/png");
        String sha = ref.sha256();
        assertThat(visibleObjects()).containsExactly("studio-a/sha256/" + sha.substring(0, 2) + "/" + sha.substring(2, 4) + "/" + sha);
        assertThat(faults.parts.get()).as("a small blob is one PUT, no multipart").isZero();
    }

    @Test
    void largeBlobGoesUpInPartsAndReadsBackVerified() throws Exception {
        byte[] data = random(largeBlobSize(), 5);
        BlobRef ref = store.put(data, "image/x-exr");
        assertThat(faults.parts.get()).as("11.1 MB in 5 MiB parts").isEqualTo(3);
        assertThat(store.read(ref)).isEqualTo(data);
        assertThat(store.find(ref.sha256())).get().extracting(BlobRef::size).isEqualTo((long) data.length);
        // Storing it again is a HEAD, not another upload.
        store.put(data, "image/x-exr");
        assertThat(faults.parts.get()).isEqualTo(3);
    }

    @Test
    void interruptedMultipartUploadLeavesNothingVisible() throws Exception {
        byte[] data = random(largeBlobSize(), 6);
        // The connection drops from part 2 of 3 on (retries included): part 1 is already on the server.
        faults.failFrom = 2;
        assertThatThrownBy(() -> store.put(data, "image/x-exr")).isInstanceOf(IOException.class)
                .hasMessageContaining("aborted").hasStackTraceContaining("connection reset by test");
        assertThat(faults.parts.get()).as("part 1 went up before the failure").isGreaterThanOrEqualTo(2);
        assertThat(store.find(Sha256.hex(data))).isEmpty();
        assertThat(visibleObjects()).as("no object, complete or partial").isEmpty();
        assertThat(leftovers()).as("the upload was aborted and the spool file removed").isEmpty();

        // The retry of the same frame then goes through.
        faults.failFrom = 0;
        BlobRef ref = store.put(data, "image/x-exr");
        assertThat(store.read(ref)).isEqualTo(data);
    }

    @Test
    void damagedCopyOfTheWrongSizeIsRewrittenOnPut() throws Exception {
        byte[] data = random(10_000, 7);
        BlobRef ref = store.put(data, "application/octet-stream");
        overwriteStored(ref.sha256(), new byte[10]);
        store.put(data, "application/octet-stream");
        assertThat(store.read(ref)).isEqualTo(data);
    }

    @Test
    void selectedByPrismBlobStoreThroughServiceLoader() throws Exception {
        Env env = new Env(Map.of(
                "PRISM_BLOB_STORE", "s3",
                "PRISM_S3_ENDPOINT", endpoint.toString(),
                "PRISM_S3_BUCKET", "prism-selected",
                "PRISM_S3_CREATE_BUCKET", "true",
                "PRISM_S3_ACCESS_KEY", ACCESS,
                "PRISM_S3_SECRET_KEY", SECRET));
        try (BlobStore opened = ServiceContext.openBlobStore(PlatformConfig.from(env))) {
            assertThat(opened).isInstanceOf(S3BlobStore.class);
            BlobRef ref = opened.put("shared between machines".getBytes(), "text/plain");
            // A second process (another client) sees the same blob by its digest.
            try (BlobStore other = S3BlobStore.open(S3Config.from(env))) {
                assertThat(other.read(ref)).isEqualTo("shared between machines".getBytes());
            }
        }
    }

    @Test
    void clearErrorsForAMissingBucketAndBadSettings() {
        S3Config missing = config("no-such-bucket", "", scratch);
        assertThatThrownBy(() -> S3BlobStore.open(missing)).isInstanceOf(IOException.class)
                .hasMessageContaining("bucket no-such-bucket does not exist").hasMessageContaining("PRISM_S3_CREATE_BUCKET");
        assertThatThrownBy(() -> S3Config.from(new Env(Map.of())))
                .hasMessageContaining("PRISM_S3_BUCKET is required");
        assertThatThrownBy(() -> S3Config.from(new Env(Map.of("PRISM_S3_BUCKET", "b", "PRISM_S3_PART_SIZE", "1048576"))))
                .hasMessageContaining("below S3's minimum part size");
        assertThatThrownBy(() -> S3Config.from(new Env(Map.of("PRISM_S3_BUCKET", "b", "PRISM_S3_ACCESS_KEY", "x"))))
                .hasMessageContaining("must be set together");
        S3Config defaults = S3Config.from(new Env(Map.of("PRISM_S3_BUCKET", "b", "PRISM_S3_PREFIX", "/show")));
        assertThat(defaults.pathStyle()).isTrue();
        assertThat(defaults.keyOf("ab".repeat(32))).isEqualTo("show/sha256/ab/ab/" + "ab".repeat(32));
        assertThat(defaults.toString()).doesNotContain("secret");
    }

    private static final class PartFaults implements ExecutionInterceptor {
        final AtomicInteger parts = new AtomicInteger();
        volatile int failFrom;

        @Override
        public void beforeTransmission(Context.BeforeTransmission context, ExecutionAttributes attributes) {
            if (context.request() instanceof UploadPartRequest) {
                int n = parts.incrementAndGet();
                if (failFrom > 0 && n >= failFrom) {
                    throw SdkClientException.create("connection reset by test");
                }
            }
        }
    }
}
