package io.prism.engine.model;

import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.prism.engine.schedule.NoiseScheduler;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model checkpoint folder: {@code model.json} ({@link ModelSpec}) plus {@code weights.safetensors}.
 * Every file listed in model.json's "files" is verified against its SHA-256 on {@link #load}.
 * Immutable; the weights live in Java memory until a denoiser is built from them.
 */
public final class ModelCheckpoint {
    public static final String SPEC_FILE = "model.json";
    public static final String WEIGHTS_FILE = "weights.safetensors";
    public static final ObjectMapper JSON = new ObjectMapper()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private final ModelSpec spec;
    private final Map<String, FloatTensor> weights;

    public ModelCheckpoint(ModelSpec spec, Map<String, FloatTensor> weights) {
        this.spec = spec;
        this.weights = Map.copyOf(weights);
    }

    public ModelSpec spec() {
        return spec;
    }

    public Map<String, FloatTensor> weights() {
        return weights;
    }

    public long parameterCount() {
        return weights.values().stream().mapToLong(FloatTensor::size).sum();
    }

    /** Reads model.json, checks every listed file's SHA-256, then reads the weights. */
    public static ModelCheckpoint load(Path dir) throws CheckpointException {
        Path specFile = dir.resolve(SPEC_FILE);
        if (!Files.isRegularFile(specFile)) {
            throw new CheckpointException("not a model checkpoint: " + specFile + " does not exist");
        }
        ModelSpec spec;
        try {
            spec = JSON.readValue(specFile.toFile(), ModelSpec.class);
        } catch (IOException | RuntimeException e) {
            throw new CheckpointException("malformed " + specFile + ": " + e.getMessage(), e);
        }
        if (!spec.files().containsKey(WEIGHTS_FILE)) {
            throw new CheckpointException(specFile + " does not list " + WEIGHTS_FILE + " in \"files\"");
        }
        for (Map.Entry<String, String> f : spec.files().entrySet()) {
            Path p = dir.resolve(f.getKey());
            if (!Files.isRegularFile(p)) {
                throw new CheckpointException("checkpoint " + dir + " is missing weight file " + f.getKey() + " listed in model.json");
            }
            String actual;
            try {
                actual = sha256(p);
            } catch (IOException e) {
                throw new CheckpointException("cannot read " + p + ": " + e.getMessage(), e);
            }
            if (!actual.equalsIgnoreCase(f.getValue())) {
                throw new CheckpointException("checkpoint file " + p + " is corrupt: SHA-256 " + actual
                        + " does not match " + f.getValue() + " recorded in model.json");
            }
        }
        Map<String, FloatTensor> w;
        try {
            w = Safetensors.read(dir.resolve(WEIGHTS_FILE));
        } catch (IOException e) {
            throw new CheckpointException("unreadable weights in " + dir + ": " + e.getMessage(), e);
        }
        return new ModelCheckpoint(spec, w);
    }

    /**
     * Writes weights then model.json (with fresh checksums) into {@code dir}, via a sibling temporary folder
     * renamed into place, so a reader never sees a half-written checkpoint. An existing folder is replaced.
     */
    public ModelCheckpoint save(Path dir) throws IOException {
        Path parent = dir.toAbsolutePath().getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp");
        Safetensors.write(tmp.resolve(WEIGHTS_FILE), new TreeMap<>(weights), Map.of("format", "pt", "prism.model", spec.name()));
        Map<String, String> files = new LinkedHashMap<>();
        files.put(WEIGHTS_FILE, sha256(tmp.resolve(WEIGHTS_FILE)));
        ModelSpec out = spec.withFiles(files);
        JSON.writeValue(tmp.resolve(SPEC_FILE).toFile(), out);
        if (Files.exists(dir)) {
            Path old = parent.resolve("." + dir.getFileName() + ".old" + System.nanoTime());
            Files.move(dir, old);
            move(tmp, dir);
            deleteTree(old);
        } else {
            move(tmp, dir);
        }
        return new ModelCheckpoint(out, weights);
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
                try {
                    Files.delete(q);
                } catch (NoSuchFileException ignored) {
                    // already gone
                }
            }
        }
    }

    public static String sha256(Path file) throws IOException {
        try (InputStream in = new DigestInputStream(Files.newInputStream(file), MessageDigest.getInstance("SHA-256"))) {
            byte[] buf = new byte[1 << 16];
            while (in.read(buf) >= 0) {
                // digest as we go
            }
            return HexFormat.of().formatHex(((DigestInputStream) in).getMessageDigest().digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public LatentCodec newCodec() {
        ModelSpec.Codec c = spec.codec();
        if (!"pixel_unshuffle".equals(c.type())) {
            throw new IllegalArgumentException("unsupported codec '" + c.type() + "' in model " + spec.name());
        }
        return new PixelUnshuffleCodec(c.factor(), c.scale(), c.shift());
    }

    public NoiseScheduler newScheduler() {
        return spec.scheduler().create();
    }

    /** Builds the denoiser on {@code manager}'s device with these weights (names and shapes must match exactly). */
    public UNetDenoiser newDenoiser(NDManager manager) {
        if (!"prism-unet".equals(spec.architecture())) {
            throw new IllegalArgumentException("unsupported architecture '" + spec.architecture() + "' in model " + spec.name());
        }
        UNetDenoiser d = new UNetDenoiser(spec.unet(), manager);
        d.loadWeights(weights, false);
        return d;
    }
}
