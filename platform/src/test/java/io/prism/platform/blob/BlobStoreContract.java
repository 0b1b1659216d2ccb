package io.prism.platform.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.contracts.BlobRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What every {@link BlobStore} promises, run against each implementation (the file store here, the S3 store in
 * blobstore-s3): content addressing, verified reads, no partial blob ever visible, clean failure on missing blobs.
 * A subclass provides a fresh, empty store per test and a way to look behind the store's back.
 */
public abstract class BlobStoreContract {
    @TempDir
    protected Path scratch;

    /** The store under test: fresh and empty for each test. */
    protected abstract BlobStore store();

    /** Replaces a stored blob's bytes behind the store's back (a flipped bit on disk, a tampered object). */
    protected abstract void overwriteStored(String sha256, byte[] bytes) throws IOException;

    /** Every blob location the backend holds (files, object keys), complete or not. */
    protected abstract List<String> visibleObjects() throws IOException;

    /** What a failed write may have left behind: temp files, spool files, unfinished multipart uploads. */
    protected abstract List<String> leftovers() throws IOException;

    /** A size that takes the store's large-blob path (S3: more than one multipart part). */
    protected int largeBlobSize() {
        return 3 * 1024 * 1024 + 17;
    }

    protected static byte[] random(int size, long seed) {
        byte[] data = new byte[size];
        new Random(seed).nextBytes(data);
        return data;
    }

    @Test
    void storesByContentAndReadsBackVerified() throws Exception {
        byte[] data = random(300_000, 1);
        BlobRef ref = store().put(data, "image/x-exr");
        assertThat(ref.sha256()).isEqualTo(Sha256.hex(data));
        assertThat(ref.size()).isEqualTo(data.length);
        assertThat(ref.uri().toString()).isEqualTo("blob:sha256:" + ref.sha256());
        assertThat(store().read(ref)).isEqualTo(data);
        assertThat(store().find(ref.sha256())).get().satisfies(found -> {
            assertThat(found.mediaType()).isEqualTo("image/x-exr");
            assertThat(found.size()).isEqualTo(data.length);
        });
        // Same bytes, same blob, stored once.
        assertThat(store().put(data, "image/x-exr")).isEqualTo(ref);
        assertThat(visibleObjects()).hasSize(1);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void emptyBlobAndFileInputRoundTrip() throws Exception {
        BlobRef empty = store().put(new byte[0], null);
        assertThat(empty.sha256()).isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assertThat(empty.mediaType()).isEqualTo("application/octet-stream");
        assertThat(store().read(empty)).isEmpty();

        Path file = scratch.resolve("frame.bin");
        Files.write(file, random(70_000, 9));
        BlobRef fromFile = store().put(file, "application/octet-stream");
        assertThat(fromFile.sha256()).isEqualTo(Sha256.hex(file));
        assertThat(store().exists(fromFile)).isTrue();
    }

    @Test
    void largeBlobStreamsBackAndCopiesToAFile() throws Exception {
        byte[] data = random(largeBlobSize(), 3);
        BlobRef ref;
        try (InputStream in = new java.io.ByteArrayInputStream(data)) {
            ref = store().put(in, "image/x-exr");
        }
        assertThat(ref.size()).isEqualTo(data.length);
        assertThat(ref.sha256()).isEqualTo(Sha256.hex(data));
        Path copy = store().copyTo(ref, scratch.resolve("out/frame.exr"));
        assertThat(Files.readAllBytes(copy)).isEqualTo(data);
        assertThat(leftovers()).isEmpty();
    }

    @Test
    void detectsAFlippedBitAndATruncation() throws Exception {
        byte[] original = "original bytes of a beauty frame".getBytes();
        BlobRef ref = store().put(original, "text/plain");
        byte[] flipped = original.clone();
        flipped[3] ^= 1;
        overwriteStored(ref.sha256(), flipped);
        assertThatThrownBy(() -> store().read(ref)).isInstanceOf(BlobCorruptedException.class).hasMessageContaining(ref.sha256());

        overwriteStored(ref.sha256(), Arrays.copyOf(original, 8));
        assertThatThrownBy(() -> store().read(ref)).isInstanceOf(BlobCorruptedException.class);
        Path copy = scratch.resolve("out/copy.bin");
        assertThatThrownBy(() -> store().copyTo(ref, copy)).isInstanceOf(BlobCorruptedException.class);
        assertThat(copy).as("a corrupted blob is never copied out").doesNotExist();
    }

    @Test
    void neverExposesAHalfWrittenBlob() throws Exception {
        byte[] data = random(largeBlobSize(), 2);
        String sha = Sha256.hex(data);
        // A writer that dies half-way: the farm node's stream fails after half the bytes.
        InputStream failing = new InputStream() {
            int pos;

            @Override
            public int read() throws IOException {
                if (pos >= data.length / 2) throw new IOException("farm node went away");
                return data[pos++] & 0xff;
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (pos >= data.length / 2) throw new IOException("farm node went away");
                int n = Math.min(len, data.length / 2 - pos);
                System.arraycopy(data, pos, b, off, n);
                pos += n;
                return n;
            }
        };
        assertThatThrownBy(() -> store().put(failing, "image/x-exr")).hasMessageContaining("farm node went away");
        assertThat(store().find(sha)).isEmpty();
        assertThat(visibleObjects()).isEmpty();
        assertThat(leftovers()).as("temp files / uploads cleaned up").isEmpty();
    }

    @Test
    void missingBlobIsNotFoundAndDeleteSaysWhetherItWasThere() throws Exception {
        String ghost = "a".repeat(64);
        BlobRef ghostRef = new BlobRef(BlobStore.uriOf(ghost), ghost, 1, null, null, null, null);
        assertThatThrownBy(() -> store().open(ghostRef)).isInstanceOf(BlobNotFoundException.class);
        assertThat(store().find(ghost)).isEmpty();
        assertThat(store().delete(ghost)).isFalse();

        BlobRef ref = store().put("to be deleted".getBytes(), "text/plain");
        assertThat(store().delete(ref.sha256())).isTrue();
        assertThat(store().find(ref.sha256())).isEmpty();
        assertThatThrownBy(() -> store().open(ref)).isInstanceOf(BlobNotFoundException.class);
        assertThat(visibleObjects()).isEmpty();
    }
}
