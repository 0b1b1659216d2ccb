package io.prism.platform.blob;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prism.platform.contracts.BlobRef;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FileBlobStoreTest {
    @TempDir
    Path dir;

    @Test
    void storesByContentAndReadsBackVerified() throws Exception {
        FileBlobStore store = new FileBlobStore(dir);
        byte[] data = new byte[300_000];
        new Random(1).nextBytes(data);
        BlobRef ref = store.put(data, "image/x-exr");
        assertThat(ref.sha256()).isEqualTo(Sha256.hex(data));
        assertThat(ref.size()).isEqualTo(data.length);
        assertThat(ref.uri().toString()).isEqualTo("blob:sha256:" + ref.sha256());
        assertThat(store.read(ref)).isEqualTo(data);
        assertThat(store.find(ref.sha256())).get().extracting(BlobRef::mediaType).isEqualTo("image/x-exr");
        // Same bytes, same blob.
        assertThat(store.put(data, "image/x-exr")).isEqualTo(ref);
        assertThat(Files.list(dir.resolve("tmp"))).isEmpty();
    }

    @Test
    void detectsACorruptedFile() throws Exception {
        FileBlobStore store = new FileBlobStore(dir);
        BlobRef ref = store.put("original bytes".getBytes(), "text/plain");
        Path p = store.pathOf(ref.sha256());
        byte[] bytes = Files.readAllBytes(p);
        bytes[3] ^= 1; // one flipped bit on disk
        Files.write(p, bytes);
        assertThatThrownBy(() -> store.read(ref)).isInstanceOf(BlobCorruptedException.class).hasMessageContaining(ref.sha256());
        // Truncation is caught too.
        Files.write(p, "original".getBytes());
        assertThatThrownBy(() -> store.read(ref)).isInstanceOf(BlobCorruptedException.class);
        Path copy = dir.resolve("out/copy.bin");
        assertThatThrownBy(() -> store.copyTo(ref, copy)).isInstanceOf(BlobCorruptedException.class);
        assertThat(copy).doesNotExist();
    }

    @Test
    void neverExposesAHalfWrittenBlob() throws Exception {
        FileBlobStore store = new FileBlobStore(dir);
        byte[] data = new byte[1 << 20];
        new Random(2).nextBytes(data);
        String sha = Sha256.hex(data);
        // A writer that dies half-way: the stream fails after 512 KiB.
        InputStream failing = new InputStream() {
            int pos;
            @Override
            public int read() throws IOException {
                if (pos >= data.length / 2) throw new IOException("farm node went away");
                return data[pos++] & 0xff;
            }
        };
        assertThatThrownBy(() -> store.put(failing, "image/x-exr")).hasMessageContaining("farm node went away");
        assertThat(store.find(sha)).isEmpty();
        assertThat(Files.list(dir.resolve("tmp"))).as("temp file cleaned up").isEmpty();
        try (var walk = Files.walk(dir.resolve("sha256"))) {
            assertThat(walk.filter(Files::isRegularFile)).isEmpty();
        }
    }

    @Test
    void missingBlobIsNotFound() throws Exception {
        FileBlobStore store = new FileBlobStore(dir);
        BlobRef ghost = new BlobRef(BlobStore.uriOf("a".repeat(64)), "a".repeat(64), 1, null, null, null, null);
        assertThatThrownBy(() -> store.open(ghost)).isInstanceOf(BlobNotFoundException.class);
        assertThat(store.delete("a".repeat(64))).isFalse();
    }
}
