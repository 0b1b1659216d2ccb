package io.prism.engine.diffusers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One safetensors file, memory-mapped: the header is parsed and checked up front (every tensor's byte range inside the
 * file and equal to its shape × dtype size), the data is read lazily per tensor. Any dtype is listed; F32, F16, BF16 and
 * I64 can be read. A bad file is refused with a message that names it and the tensor.
 *
 * <p>Mapping instead of reading keeps a multi-GB UNet out of the Java heap: the slices handed to DJL alias the page
 * cache, so loading costs no copy for fp32 weights (see {@code StateDict}).
 */
public final class SafetensorsFile {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One tensor's header entry; {@code begin}/{@code end} are absolute byte offsets in the file. */
    public record Entry(String name, String dtype, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) n *= d;
            return n;
        }
    }

    private final Path path;
    private final Map<String, Entry> entries;
    private final Map<String, String> metadata;
    private final MappedByteBuffer[] maps;
    private static final long MAP_CHUNK = 1L << 30;

    private SafetensorsFile(Path path, Map<String, Entry> entries, Map<String, String> metadata, MappedByteBuffer[] maps) {
        this.path = path;
        this.entries = entries;
        this.metadata = metadata;
        this.maps = maps;
    }

    /** Maps and validates {@code file}; throws {@link InvalidCheckpointException} naming the file on any problem. */
    public static SafetensorsFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) throw new InvalidCheckpointException(file + ": not a safetensors file (" + size + " bytes)");
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(lenBuf, 0);
            long n = lenBuf.getLong(0);
            if (n <= 1 || n > size - 8 || n > (100L << 20)) {
                throw new InvalidCheckpointException(file + ": bad safetensors header length " + n + " (file has " + size + " bytes)");
            }
            ByteBuffer hb = ByteBuffer.allocate((int) n);
            while (hb.hasRemaining() && ch.read(hb, 8 + hb.position()) > 0) {
                // read the whole header
            }
            JsonNode header;
            try {
                header = JSON.readTree(new String(hb.array(), StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new InvalidCheckpointException(file + ": unreadable safetensors header: " + e.getMessage(), e);
            }
            if (header == null || !header.isObject()) throw new InvalidCheckpointException(file + ": safetensors header is not a JSON object");
            long base = 8 + n;
            Map<String, Entry> entries = new LinkedHashMap<>();
            Map<String, String> meta = new LinkedHashMap<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = header.fields(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals("__metadata__")) {
                    e.getValue().fields().forEachRemaining(m -> meta.put(m.getKey(), m.getValue().asText()));
                    continue;
                }
                entries.put(e.getKey(), entry(file, e.getKey(), e.getValue(), base, size));
            }
            MappedByteBuffer[] maps = new MappedByteBuffer[(int) ((size + MAP_CHUNK - 1) / MAP_CHUNK)];
            return new SafetensorsFile(file, Collections.unmodifiableMap(entries), Map.copyOf(meta), mapAll(ch, size, maps));
        } catch (IOException e) {
            throw new InvalidCheckpointException(file + ": cannot read: " + e.getMessage(), e);
        }
    }

    /** Maps the file in windows of 1 GiB that overlap by the largest tensor the window must hold whole. */
    private static MappedByteBuffer[] mapAll(FileChannel ch, long size, MappedByteBuffer[] maps) throws IOException {
        for (int i = 0; i < maps.length; i++) {
            long start = i * MAP_CHUNK;
            maps[i] = ch.map(FileChannel.MapMode.READ_ONLY, start, Math.min(size - start, MAP_CHUNK));
        }
        return maps;
    }

    private static Entry entry(Path file, String name, JsonNode t, long base, long size) {
        String dtype = t.path("dtype").asText("");
        int bytes = dtypeBytes(dtype);
        if (bytes == 0) throw new InvalidCheckpointException(file + ": tensor " + name + " has unknown dtype '" + dtype + "'");
        JsonNode sh = t.path("shape");
        if (!sh.isArray()) throw new InvalidCheckpointException(file + ": tensor " + name + " has no shape");
        long[] shape = new long[sh.size()];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            shape[i] = sh.get(i).asLong(-1);
            if (shape[i] < 0) throw new InvalidCheckpointException(file + ": tensor " + name + " has a negative dimension");
            elements *= shape[i];
        }
        JsonNode off = t.path("data_offsets");
        long begin = off.path(0).asLong(-1), end = off.path(1).asLong(-1);
        if (begin < 0 || end < begin) throw new InvalidCheckpointException(file + ": tensor " + name + " has bad data offsets");
        if (base + end > size) {
            throw new InvalidCheckpointException(file + ": tensor " + name + " ends at byte " + (base + end)
                    + " but the file has " + size + " bytes (truncated?)");
        }
        if (end - begin != elements * bytes) {
            throw new InvalidCheckpointException(file + ": tensor " + name + " holds " + (end - begin) + " bytes, its shape "
                    + java.util.Arrays.toString(shape) + " × " + dtype + " needs " + elements * bytes);
        }
        return new Entry(name, dtype, shape, base + begin, base + end);
    }

    static int dtypeBytes(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            case "I8", "U8", "BOOL", "F8_E4M3", "F8_E5M2" -> 1;
            default -> 0;
        };
    }

    public Path path() {
        return path;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    public Map<String, String> metadata() {
        return metadata;
    }

    public Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new InvalidCheckpointException(path + ": no tensor named " + name);
        return e;
    }

    /**
     * The raw little-endian bytes of one tensor, as a read-only direct buffer aliasing the mapping (no copy when the
     * tensor lies inside one mapping window; otherwise copied into a direct buffer).
     */
    public ByteBuffer bytes(Entry e) {
        long len = e.end() - e.begin();
        int first = (int) (e.begin() / MAP_CHUNK), last = (int) (Math.max(e.begin(), e.end() - 1) / MAP_CHUNK);
        if (first == last) {
            int pos = (int) (e.begin() - first * MAP_CHUNK);
            return maps[first].duplicate().position(pos).limit(pos + (int) len).slice().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (len > Integer.MAX_VALUE) throw new InvalidCheckpointException(path + ": tensor " + e.name() + " exceeds 2 GiB");
        ByteBuffer out = ByteBuffer.allocateDirect((int) len).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = first; i <= last; i++) {
            long winStart = i * MAP_CHUNK;
            long from = Math.max(e.begin(), winStart), to = Math.min(e.end(), winStart + maps[i].capacity());
            ByteBuffer w = maps[i].duplicate();
            w.position((int) (from - winStart)).limit((int) (to - winStart));
            out.put(w);
        }
        return out.flip();
    }

    /**
     * Writes float32 tensors (any size: each is streamed from native memory, never held in the Java heap as a whole) as
     * a standard safetensors file: header with dtype F32, shape and offsets in map order, padded to 8 bytes with spaces.
     */
    public static void write(Path file, Map<String, ai.djl.ndarray.NDArray> tensors, Map<String, String> metadata) throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode header = JSON.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            var m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Map.Entry<String, ai.djl.ndarray.NDArray> e : tensors.entrySet()) {
            ai.djl.ndarray.NDArray a = e.getValue();
            if (a.getDataType() != ai.djl.ndarray.types.DataType.FLOAT32) {
                throw new IllegalArgumentException("tensor " + e.getKey() + " is " + a.getDataType() + ", only float32 is written");
            }
            var t = header.putObject(e.getKey());
            t.put("dtype", "F32");
            var shape = t.putArray("shape");
            for (long d : a.getShape().getShape()) shape.add(d);
            long bytes = 4L * a.getShape().size();
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] h = JSON.writeValueAsBytes(header);
        byte[] padded = java.util.Arrays.copyOf(h, h.length + (8 - h.length % 8) % 8);
        java.util.Arrays.fill(padded, h.length, padded.length, (byte) ' ');
        Path tmp = file.resolveSibling(file.getFileName() + ".part");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            ch.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded.length));
            ch.write(ByteBuffer.wrap(padded));
            for (ai.djl.ndarray.NDArray a : tensors.values()) {
                ByteBuffer b = a.toByteBuffer().order(ByteOrder.LITTLE_ENDIAN);
                while (b.hasRemaining()) ch.write(b);
            }
            ch.force(true);
        }
        java.nio.file.Files.move(tmp, file, java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    /** A tensor's values as floats (F32, F16 or BF16 widened exactly). For tests and small tensors. */
    public float[] floats(String name) {
        Entry e = entry(name);
        ByteBuffer b = bytes(e);
        float[] out = new float[Math.toIntExact(e.elements())];
        switch (e.dtype()) {
            case "F32" -> b.asFloatBuffer().get(out);
            case "F16" -> { for (int i = 0; i < out.length; i++) out[i] = io.prism.vision.exr.Half.toFloat(b.getShort(2 * i)); }
            case "BF16" -> { for (int i = 0; i < out.length; i++) out[i] = Float.intBitsToFloat((b.getShort(2 * i) & 0xffff) << 16); }
            default -> throw new InvalidCheckpointException(path + ": tensor " + name + " is " + e.dtype() + ", not a float tensor");
        }
        return out;
    }

    /** An I64 tensor's values (token ids, timesteps, padding in the reference fixtures). */
    public long[] longs(String name) {
        Entry e = entry(name);
        if (!e.dtype().equals("I64")) throw new InvalidCheckpointException(path + ": tensor " + name + " is " + e.dtype() + ", not I64");
        long[] out = new long[Math.toIntExact(e.elements())];
        bytes(e).asLongBuffer().get(out);
        return out;
    }
}
