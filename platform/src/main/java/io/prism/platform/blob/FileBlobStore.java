package io.prism.platform.blob;

import io.prism.platform.contracts.BlobRef;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Optional;

/**
 * Blobs as files under a root folder: {@code root/sha256/ab/cd/abcd…} with a sidecar {@code .type} for the media
 * type. Writes go to a temp file in {@code root/tmp} on the same file system and are renamed into place only when
 * complete and hashed, so a reader never sees half a blob — even if the process dies mid-write.
 */
public final class FileBlobStore implements BlobStore {
    private final Path root;
    private final Path tmp;

    public FileBlobStore(Path root) throws IOException {
        this.root = root.toAbsolutePath();
        this.tmp = this.root.resolve("tmp");
        Files.createDirectories(tmp);
        Files.createDirectories(this.root.resolve("sha256"));
    }

    public Path root() {
        return root;
    }

    /** Where the blob with this digest lives (it may not exist). */
    public Path pathOf(String sha256) {
        return root.resolve("sha256").resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
    }

    @Override
    public BlobRef put(InputStream in, String mediaType) throws IOException {
        Path part = Files.createTempFile(tmp, "put-", ".part");
        try {
            MessageDigest md = Sha256.newDigest();
            long size;
            try (OutputStream out = new DigestOutputStream(Files.newOutputStream(part), md)) {
                size = in.transferTo(out);
            }
            try (var ch = java.nio.channels.FileChannel.open(part, java.nio.file.StandardOpenOption.WRITE)) {
                ch.force(true);
            }
            String sha = HexFormat.of().formatHex(md.digest());
            Path target = pathOf(sha);
            String type = mediaType == null ? "application/octet-stream" : mediaType;
            if (!Files.exists(target)) {
                Files.createDirectories(target.getParent());
                writeType(target, type);
                try {
                    Files.move(part, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileAlreadyExistsException e) {
                    // Someone stored the same bytes concurrently: content addressing makes theirs identical.
                } catch (AtomicMoveNotSupportedException e) {
                    throw new IOException("blob root " + root + " does not support atomic rename", e);
                }
            }
            return new BlobRef(BlobStore.uriOf(sha), sha, size, type, null, null, null);
        } finally {
            Files.deleteIfExists(part);
        }
    }

    private static void writeType(Path target, String type) throws IOException {
        Path typeFile = target.resolveSibling(target.getFileName() + ".type");
        if (!Files.exists(typeFile)) {
            Path t = Files.createTempFile(target.getParent(), ".type-", ".part");
            Files.writeString(t, type);
            Files.move(t, typeFile, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    @Override
    public InputStream open(BlobRef ref) throws IOException {
        Path p = pathOf(ref.sha256());
        if (!Files.exists(p)) {
            throw new BlobNotFoundException("no blob " + ref.sha256() + " in " + root);
        }
        return new VerifyingInputStream(Files.newInputStream(p), ref);
    }

    @Override
    public Optional<BlobRef> find(String sha256) throws IOException {
        Path p = pathOf(sha256);
        if (!Files.exists(p)) {
            return Optional.empty();
        }
        Path typeFile = p.resolveSibling(p.getFileName() + ".type");
        String type = Files.exists(typeFile) ? Files.readString(typeFile).trim() : "application/octet-stream";
        return Optional.of(new BlobRef(BlobStore.uriOf(sha256), sha256, Files.size(p), type, null, null, null));
    }

    @Override
    public boolean delete(String sha256) throws IOException {
        Path p = pathOf(sha256);
        Files.deleteIfExists(p.resolveSibling(p.getFileName() + ".type"));
        return Files.deleteIfExists(p);
    }
}
