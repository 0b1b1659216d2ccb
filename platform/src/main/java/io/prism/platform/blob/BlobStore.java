package io.prism.platform.blob;

import io.prism.platform.contracts.BlobRef;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Content-addressed, immutable blob storage. A blob's address is the SHA-256 of its bytes, so writing the same
 * bytes twice stores them once, and a reader can always verify what it got. A blob is visible only once it is
 * complete: implementations never expose a partly written one.
 *
 * <p>Implementations: {@link FileBlobStore} (a folder, shared over NFS if needed) and an S3-compatible store.
 */
public interface BlobStore extends AutoCloseable {

    String URI_PREFIX = "blob:sha256:";

    /** Stores the stream's bytes (read to the end, not closed) and returns their reference. */
    BlobRef put(InputStream in, String mediaType) throws IOException;

    default BlobRef put(byte[] bytes, String mediaType) throws IOException {
        return put(new java.io.ByteArrayInputStream(bytes), mediaType);
    }

    default BlobRef put(Path file, String mediaType) throws IOException {
        try (InputStream in = Files.newInputStream(file)) {
            return put(in, mediaType);
        }
    }

    /**
     * Opens a blob for reading. The stream verifies size and SHA-256 as it is read and throws
     * {@link BlobCorruptedException} at the end if they do not match the reference.
     */
    InputStream open(BlobRef ref) throws IOException;

    /** Reads a whole blob, verified before it is returned. */
    default byte[] read(BlobRef ref) throws IOException {
        try (InputStream in = open(ref)) {
            return in.readAllBytes();
        }
    }

    /** Copies a verified blob to a local file (atomically: the file appears only when complete and verified). */
    default Path copyTo(BlobRef ref, Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = Files.createTempFile(dir, ".part-", ".tmp");
        try {
            try (InputStream in = open(ref)) {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Files.move(tmp, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            return target;
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The stored blob with this digest, if any (size and media type as stored). */
    Optional<BlobRef> find(String sha256) throws IOException;

    default boolean exists(BlobRef ref) throws IOException {
        return find(ref.sha256()).isPresent();
    }

    /** Removes a blob; returns false if it was not there. Callers must know nothing references it any more. */
    boolean delete(String sha256) throws IOException;

    static URI uriOf(String sha256) {
        return URI.create(URI_PREFIX + sha256);
    }

    @Override
    default void close() throws IOException {}
}
