package io.prism.platform.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A checkpoint folder as one zip blob. Deterministic (sorted entries, fixed timestamps) so the same folder always
 * yields the same bytes and hence the same digest; extraction refuses entries that would escape the target
 * ("zip slip") and bounds the total size.
 */
public final class CheckpointArchive {
    private static final FileTime EPOCH = FileTime.fromMillis(0);
    private static final long MAX_EXTRACTED_BYTES = 4L << 30;

    private CheckpointArchive() {}

    public static void zip(Path folder, OutputStream out) throws IOException {
        if (!Files.isDirectory(folder)) {
            throw new IOException("checkpoint folder " + folder + " does not exist");
        }
        List<Path> files;
        try (var walk = Files.walk(folder)) {
            files = walk.filter(Files::isRegularFile).sorted().toList();
        }
        try (ZipOutputStream zip = new ZipOutputStream(out)) {
            for (Path f : files) {
                String name = folder.relativize(f).toString().replace('\\', '/');
                ZipEntry e = new ZipEntry(name);
                e.setLastModifiedTime(EPOCH);
                e.setCreationTime(EPOCH);
                e.setLastAccessTime(EPOCH);
                zip.putNextEntry(e);
                Files.copy(f, zip);
                zip.closeEntry();
            }
        }
    }

    /** Extracts into {@code target} atomically: a temp sibling folder renamed into place when complete. */
    public static Path unzip(InputStream in, Path target) throws IOException {
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, ".extract-");
        long total = 0;
        try (ZipInputStream zip = new ZipInputStream(in)) {
            ZipEntry e;
            while ((e = zip.getNextEntry()) != null) {
                Path out = tmp.resolve(e.getName()).normalize();
                if (!out.startsWith(tmp) || e.getName().contains("..")) {
                    throw new IOException("checkpoint archive entry escapes its folder: " + e.getName());
                }
                if (e.isDirectory()) {
                    Files.createDirectories(out);
                    continue;
                }
                Files.createDirectories(out.getParent());
                try (OutputStream os = Files.newOutputStream(out)) {
                    byte[] buf = new byte[1 << 16];
                    int n;
                    while ((n = zip.read(buf)) > 0) {
                        total += n;
                        if (total > MAX_EXTRACTED_BYTES) {
                            throw new IOException("checkpoint archive expands beyond " + MAX_EXTRACTED_BYTES + " bytes");
                        }
                        os.write(buf, 0, n);
                    }
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException | RuntimeException ex) {
            deleteTree(tmp);
            throw ex;
        }
    }

    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) return;
        try (var walk = Files.walk(dir)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
