package io.prism.platform.blob;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** The blob store contract on the file store: blobs under {@code root/sha256/…}, temp files under {@code root/tmp}. */
class FileBlobStoreTest extends BlobStoreContract {
    @TempDir
    Path dir;

    private FileBlobStore store;

    @BeforeEach
    void open() throws IOException {
        store = new FileBlobStore(dir);
    }

    @Override
    protected BlobStore store() {
        return store;
    }

    @Override
    protected void overwriteStored(String sha256, byte[] bytes) throws IOException {
        Files.write(store.pathOf(sha256), bytes);
    }

    @Override
    protected List<String> visibleObjects() throws IOException {
        try (Stream<Path> walk = Files.walk(dir.resolve("sha256"))) {
            return walk.filter(Files::isRegularFile).filter(p -> !p.toString().endsWith(".type")).map(Path::toString).toList();
        }
    }

    @Override
    protected List<String> leftovers() throws IOException {
        try (Stream<Path> files = Files.list(dir.resolve("tmp"))) {
            return files.map(Path::toString).toList();
        }
    }
}
