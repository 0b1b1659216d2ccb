package io.prism.platform.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.TreeMap;

/**
 * A checkpoint folder stored file by file: every file is its own content-addressed blob (so a fine-tune that changes
 * only the UNet, or two imports sharing a VAE, store the unchanged files once), and the version's artifact is a small
 * JSON manifest of relative path → SHA-256 and size. Files stream to and from the blob store, so multi-GB diffusers
 * checkpoints never pass through memory. Materialising verifies every file's digest and refuses paths that would
 * escape the target folder.
 */
public final class CheckpointManifest {
    public static final String MEDIA_TYPE = "application/vnd.prism.checkpoint+json";
    static final String FORMAT = "prism-checkpoint-manifest/1";
    private static final ObjectMapper JSON = new ObjectMapper();

    private CheckpointManifest() {}

    /** Stores every regular file under {@code folder} and returns the manifest's bytes (sorted, so deterministic). */
    public static byte[] store(Path folder, BlobStore blobs) throws IOException {
        if (!Files.isDirectory(folder)) throw new IOException("checkpoint folder " + folder + " does not exist");
        Map<String, Path> files = new TreeMap<>();
        try (var walk = Files.walk(folder)) {
            walk.filter(Files::isRegularFile).forEach(f -> files.put(folder.relativize(f).toString().replace('\\', '/'), f));
        }
        return store(files, blobs);
    }

    /**
     * Stores the given files under their relative paths (a checkpoint assembled from parts of folders, e.g. an import
     * that keeps only the components inference reads) and returns the manifest's bytes.
     */
    public static byte[] store(Map<String, Path> files, BlobStore blobs) throws IOException {
        ObjectNode root = JSON.createObjectNode().put("format", FORMAT);
        ArrayNode list = root.putArray("files");
        for (Map.Entry<String, Path> f : new TreeMap<>(files).entrySet()) {
            String rel = f.getKey();
            if (rel.isEmpty() || rel.startsWith("/") || rel.contains("..")) throw new IOException("bad checkpoint path " + rel);
            BlobRef ref = blobs.put(f.getValue(), "application/octet-stream");
            list.addObject().put("path", rel).put("sha256", ref.sha256()).put("size", ref.size());
        }
        return JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(root);
    }

    /** True when {@code bytes} are a manifest (rather than a legacy zip archive). */
    static boolean isManifest(byte[] bytes) {
        return bytes.length > 0 && bytes[0] == '{';
    }

    /** Writes the manifest's files under {@code target} (created atomically), each verified against its digest. */
    public static Path materialize(byte[] manifest, BlobStore blobs, Path target) throws IOException {
        JsonNode root = JSON.readTree(new String(manifest, StandardCharsets.UTF_8));
        if (!FORMAT.equals(root.path("format").asText())) throw new IOException("not a checkpoint manifest: format " + root.path("format"));
        Path parent = target.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, ".materialize-");
        try {
            for (JsonNode f : root.path("files")) {
                String rel = f.path("path").asText();
                Path out = tmp.resolve(rel).normalize();
                if (rel.isEmpty() || rel.startsWith("/") || rel.contains("..") || !out.startsWith(tmp)) {
                    throw new IOException("checkpoint manifest entry escapes its folder: " + rel);
                }
                Files.createDirectories(out.getParent());
                BlobRef ref = new BlobRef(URI.create(BlobStore.URI_PREFIX + f.path("sha256").asText()), f.path("sha256").asText(),
                        f.path("size").asLong(), "application/octet-stream", null, null, null);
                try (InputStream in = blobs.open(ref)) {   // verifying stream: a damaged blob throws before the move
                    Files.copy(in, out);
                }
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
            return target;
        } catch (IOException | RuntimeException e) {
            deleteTree(tmp);
            throw e;
        }
    }

    private static void deleteTree(Path dir) {
        try (var walk = Files.walk(dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // best effort: a leftover .materialize- folder is harmless
        }
    }
}
