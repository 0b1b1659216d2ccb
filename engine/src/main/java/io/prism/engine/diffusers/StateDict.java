package io.prism.engine.diffusers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The weights of one model component (a diffusers {@code unet/}, {@code vae/}, a transformers {@code text_encoder/}),
 * handed out by the checkpoint's own parameter names as the model's blocks are built.
 *
 * <p>Each block asks for its tensors with the shape its config implies ({@link #get}); a missing tensor or a shape that
 * differs is refused at once with the file and name. After construction {@link #requireAllUsed()} refuses tensors no
 * block asked for — a removed or renamed layer, an unknown block type — instead of silently ignoring them.
 *
 * <p>Files: {@code diffusion_pytorch_model.safetensors} / {@code model.safetensors}, their {@code .fp16} variants, or a
 * sharded set listed in {@code *.safetensors.index.json}. fp32, fp16 and bf16 tensors are converted to the compute
 * dtype (bf16 widened in Java: DJL aborts the JVM on a BF16 tensor). fp32 weights for read-only use alias the file's
 * memory mapping (no copy); {@code writable} copies them (training updates weights in place).
 *
 * <p>{@link #random} hands out seeded random tensors of whatever shape is asked instead: full-size architectures built
 * from configs alone (benchmarks) without weights. {@link #shapesOnly} hands out views of one zero with the asked
 * shapes (no memory): the architecture's parameter names, shapes and count, built in milliseconds.
 */
public final class StateDict {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Weight file names in order of preference for a component folder (diffusers' and transformers' names). */
    private static final List<String> SINGLE_FILES = List.of("diffusion_pytorch_model.safetensors", "model.safetensors");

    private final String source;
    private final NDManager manager;
    private final DataType dtype;
    private final boolean writable;
    private final Map<String, SafetensorsFile> fileOf;           // tensor name → file holding it (empty in random mode)
    private final SplittableRandom random;                       // non-null in random mode
    private final boolean shapesOnly;
    private final Map<String, NDArray> handedOut = new LinkedHashMap<>();
    private final java.util.Set<String> skipped = new java.util.HashSet<>();

    private StateDict(String source, NDManager manager, DataType dtype, boolean writable, Map<String, SafetensorsFile> fileOf,
                      SplittableRandom random, boolean shapesOnly) {
        this.source = source;
        this.manager = manager;
        this.dtype = dtype;
        this.writable = writable;
        this.fileOf = fileOf;
        this.random = random;
        this.shapesOnly = shapesOnly;
    }

    /**
     * Opens the weights of a component folder.
     *
     * @param variant  null for the plain files, or e.g. "fp16" to prefer {@code *.fp16.safetensors} (falls back to plain)
     * @param dtype    FLOAT32 or FLOAT16: what the tensors are converted to
     * @param writable copy fp32 tensors instead of aliasing the mapped file (needed when weights are trained)
     */
    public static StateDict load(Path componentDir, String variant, NDManager manager, DataType dtype, boolean writable) {
        if (dtype != DataType.FLOAT32 && dtype != DataType.FLOAT16) {
            throw new IllegalArgumentException("compute dtype must be float32 or float16, got " + dtype);
        }
        if (!Files.isDirectory(componentDir)) throw new InvalidCheckpointException(componentDir + ": component folder missing");
        List<Path> files = weightFiles(componentDir, variant);
        Map<String, SafetensorsFile> fileOf = new LinkedHashMap<>();
        for (Path f : files) {
            SafetensorsFile st = SafetensorsFile.open(f);
            for (String name : st.entries().keySet()) {
                SafetensorsFile before = fileOf.put(name, st);
                if (before != null) throw new InvalidCheckpointException(f + ": tensor " + name + " is also in " + before.path());
            }
        }
        return new StateDict(componentDir.toString(), manager, dtype, writable, fileOf, null, false);
    }

    /**
     * Random weights of whatever shape is asked (weights ~ N(0, 1/fan_in), 1-D weights 1, biases 0), drawn by PyTorch's
     * generator after seeding it with {@code seed} (the process-wide generator: reproducible on one device and thread).
     */
    public static StateDict random(NDManager manager, DataType dtype, long seed) {
        ai.djl.engine.Engine.getEngine("PyTorch").setRandomSeed((int) seed);
        return new StateDict("random weights (seed " + seed + ")", manager, dtype, true, Map.of(), new SplittableRandom(seed), false);
    }

    /**
     * Zero-stride views of a single zero with whatever shape is asked: no weight memory, so a full-size model's
     * parameter names, shapes and count come from its config alone at once. The "weights" are all zero and read-only.
     */
    public static StateDict shapesOnly(NDManager manager, DataType dtype) {
        return new StateDict("shapes only (no weights)", manager, dtype, false, Map.of(), null, true);
    }

    /** The safetensors files of a component, refusing a folder without any (e.g. PyTorch pickles only). */
    public static List<Path> weightFiles(Path dir, String variant) {
        List<String> names = new ArrayList<>();
        if (variant != null && !variant.isBlank()) {
            for (String s : SINGLE_FILES) names.add(s.replace(".safetensors", "." + variant + ".safetensors"));
        }
        names.addAll(SINGLE_FILES);
        for (String n : names) {
            Path index = dir.resolve(n + ".index.json");
            if (Files.isRegularFile(index)) return shards(index);
            if (Files.isRegularFile(dir.resolve(n))) return List.of(dir.resolve(n));
        }
        try (Stream<Path> s = Files.list(dir)) {
            List<String> present = s.map(p -> p.getFileName().toString()).sorted().toList();
            throw new InvalidCheckpointException(dir + ": no safetensors weights (expected one of " + names
                    + (present.stream().anyMatch(p -> p.endsWith(".bin") || p.endsWith(".ckpt"))
                    ? "; PyTorch pickle weights are not loaded — convert them to safetensors" : "") + "; found " + present + ")");
        } catch (IOException e) {
            throw new InvalidCheckpointException(dir + ": cannot list: " + e.getMessage(), e);
        }
    }

    private static List<Path> shards(Path index) {
        try {
            JsonNode map = JSON.readTree(index.toFile()).path("weight_map");
            if (!map.isObject() || map.isEmpty()) throw new InvalidCheckpointException(index + ": no weight_map");
            TreeSet<String> files = new TreeSet<>();
            map.fields().forEachRemaining(e -> files.add(e.getValue().asText()));
            List<Path> out = new ArrayList<>();
            for (String f : files) {
                Path p = index.resolveSibling(f);
                if (!Files.isRegularFile(p)) throw new InvalidCheckpointException(index + ": shard " + f + " is missing");
                out.add(p);
            }
            return out;
        } catch (IOException e) {
            throw new InvalidCheckpointException(index + ": unreadable index: " + e.getMessage(), e);
        }
    }

    public NDManager manager() {
        return manager;
    }

    public DataType dtype() {
        return dtype;
    }

    public boolean isRandom() {
        return random != null;
    }

    public boolean isShapesOnly() {
        return shapesOnly;
    }

    public boolean has(String name) {
        return random == null ? fileOf.containsKey(name) : false;
    }

    /** The tensor {@code name}, checked to have exactly {@code shape}, in the compute dtype on the manager's device. */
    public NDArray get(String name, long... shape) {
        if (handedOut.containsKey(name)) throw new IllegalStateException(source + ": tensor " + name + " requested twice");
        NDArray a = shapesOnly ? shapeOnly(shape) : random != null ? randomTensor(name, shape) : read(name, shape);
        a.setName(name);
        handedOut.put(name, a);
        return a;
    }

    private NDArray read(String name, long[] shape) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) throw new InvalidCheckpointException(source + ": missing tensor " + name + " " + Arrays.toString(shape));
        SafetensorsFile.Entry e = f.entry(name);
        if (!Arrays.equals(e.shape(), shape)) {
            throw new InvalidCheckpointException(f.path() + ": tensor " + name + " has shape " + Arrays.toString(e.shape())
                    + ", the config implies " + Arrays.toString(shape));
        }
        Shape s = new Shape(shape);
        NDArray a = switch (e.dtype()) {
            case "F32" -> {
                NDArray raw = manager.create(f.bytes(e), s, DataType.FLOAT32);
                yield dtype == DataType.FLOAT32 && !writable && !manager.getDevice().isGpu() ? raw : convert(raw);
            }
            case "F16" -> convert(manager.create(f.bytes(e), s, DataType.FLOAT16));
            case "BF16" -> {
                ByteBuffer src = f.bytes(e);
                ByteBuffer wide = ByteBuffer.allocateDirect(Math.toIntExact(e.elements() * 4)).order(ByteOrder.nativeOrder());
                for (int i = 0; i < e.elements(); i++) wide.putInt((src.getShort(2 * i) & 0xffff) << 16);   // exact widening
                yield convert(manager.create(wide.flip(), s, DataType.FLOAT32));
            }
            default -> throw new InvalidCheckpointException(f.path() + ": tensor " + name + " has dtype " + e.dtype()
                    + " (weights must be F32, F16 or BF16)");
        };
        return a;
    }

    /** A copy in the compute dtype, so the result owns its memory (never aliases the mapped file). */
    private NDArray convert(NDArray raw) {
        NDArray out = raw.getDataType() == dtype ? raw.duplicate() : raw.toType(dtype, true);
        raw.close();
        return out;
    }

    private NDArray randomTensor(String name, long[] shape) {
        Shape s = new Shape(shape);
        if (name.endsWith("bias")) return manager.zeros(s, dtype);
        if (shape.length == 1) return manager.ones(s, dtype);
        long fanIn = s.size() / shape[0];
        // PyTorch's own generator, in libtorch's memory: a full-size UNet's 866 M values in seconds (a Java loop took
        // 90 s and its direct buffers counted against the JVM's direct-memory limit)
        return manager.randomNormal(0f, (float) (1 / Math.sqrt(Math.max(1, fanIn))), s, dtype);
    }

    private NDArray shapeOnly(long[] shape) {
        NDArray zero = manager.zeros(new Shape(), dtype);
        NDArray view = zero.broadcast(new Shape(shape));   // torch expand: a view, the scalar's storage shared
        zero.close();
        return view;
    }

    /**
     * Accepts a tensor the architecture knows but does not compute with, so that {@link #requireAllUsed()} does not refuse
     * it: e.g. the {@code position_ids} buffer older transformers versions saved and newer ones drop on load.
     */
    public void skip(String name) {
        skipped.add(name);
    }

    /** Refuses tensors in the files that no block asked for (a layer the architecture does not know). */
    public void requireAllUsed() {
        List<String> extra = new ArrayList<>();
        for (String n : fileOf.keySet()) if (!handedOut.containsKey(n) && !skipped.contains(n)) extra.add(n);
        if (!extra.isEmpty()) {
            throw new InvalidCheckpointException(source + ": " + extra.size() + " tensor(s) not used by the architecture its config "
                    + "describes, e.g. " + extra.subList(0, Math.min(4, extra.size())));
        }
    }

    /** Every tensor handed out so far, by checkpoint name, in construction order. */
    public Map<String, NDArray> parameters() {
        return java.util.Collections.unmodifiableMap(handedOut);
    }

    public long parameterCount() {
        long n = 0;
        for (NDArray a : handedOut.values()) n += a.getShape().size();
        return n;
    }

    @Override
    public String toString() {
        return source;
    }
}
