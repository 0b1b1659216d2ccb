package io.prism.vision.exr;

import io.prism.vision.image.FloatImage;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Future;

/**
 * Writes a {@link FloatImage} as a single-part scanline OpenEXR file. All channels go into the one part (layers are
 * channel-name prefixes such as {@code albedo.R}); channels are stored sorted by name as the format requires.
 * Compression and sample types come from {@link ExrWriteOptions}. Line order is increasing y.
 */
public final class ExrWriter {
    static final int MAGIC = 20000630;
    static final int LONG_NAMES = 0x400;

    private ExrWriter() {
    }

    /**
     * Writes atomically: the file is written next to {@code path} under a temporary name and renamed into place, so
     * a reader (e.g. a watcher on a farm's output folder) never sees a half-written file.
     */
    public static void write(Path path, FloatImage image, ExrWriteOptions options) throws IOException {
        atomically(path, out -> write(out, image, options));
    }

    /** The file's bytes, e.g. for an upload. */
    public static byte[] encode(FloatImage image, ExrWriteOptions options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, image, options);
        } catch (IOException e) {
            throw new IllegalStateException(e); // cannot happen for a byte array
        }
        return out.toByteArray();
    }

    /** Writes the file to a stream (not closed). */
    public static void write(OutputStream out, FloatImage image, ExrWriteOptions options) throws IOException {
        Encoded e = encodePart(image, options, null, -1, null);
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        Attributes.putInt(header, MAGIC);
        Attributes.putInt(header, 2 | (e.longNames ? LONG_NAMES : 0));
        writeAttributes(header, e.attrs);
        writeTablesAndChunks(out, header, List.of(e));
    }

    /** One part of a multi-part file: its name (unique, non-empty), pixels and options. */
    public record Part(String name, FloatImage image, ExrWriteOptions options) {
        public Part {
            if (name == null || name.isEmpty()) throw new IllegalArgumentException("a part needs a name");
        }
    }

    /**
     * Writes a multi-part file (one scanline part per entry, e.g. one per render layer or eye), atomically like
     * {@link #write(Path, FloatImage, ExrWriteOptions)}. Each part has its own channels, data window and compression;
     * the display window (the one given, else the union of the data windows) and chromaticities are shared, as the
     * format requires.
     */
    public static void writeParts(Path path, List<Part> parts) throws IOException {
        atomically(path, out -> writeParts(out, parts));
    }

    public static byte[] encodeParts(List<Part> parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeParts(out, parts);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    public static void writeParts(OutputStream out, List<Part> parts) throws IOException {
        if (parts.isEmpty()) throw new IllegalArgumentException("no parts");
        java.util.Set<String> names = new java.util.HashSet<>();
        List<Encoded> encoded = new ArrayList<>();
        // OpenEXR requires displayWindow, pixelAspectRatio and chromaticities to agree across parts
        Box2i display = null;
        Object chroma = null;
        boolean first = true;
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = Integer.MIN_VALUE, maxY = Integer.MIN_VALUE;
        for (Part p : parts) {
            ExrWriteOptions o = p.options();
            if (o.displayWindow() != null) {
                if (display != null && !display.equals(o.displayWindow())) {
                    throw new IllegalArgumentException("parts must share one display window: " + display + " vs "
                            + o.displayWindow());
                }
                display = o.displayWindow();
            }
            ExrAttribute c = o.attributes().get("chromaticities");
            Object cv = c == null ? null : c.value();
            if (!first && !java.util.Objects.equals(chroma, cv)) {
                throw new IllegalArgumentException("parts must share the same chromaticities");
            }
            chroma = cv;
            first = false;
            minX = Math.min(minX, o.originX());
            minY = Math.min(minY, o.originY());
            maxX = Math.max(maxX, o.originX() + p.image().width() - 1);
            maxY = Math.max(maxY, o.originY() + p.image().height() - 1);
        }
        if (display == null) display = new Box2i(minX, minY, maxX, maxY);
        boolean longNames = false;
        for (int i = 0; i < parts.size(); i++) {
            Part p = parts.get(i);
            if (!names.add(p.name())) throw new IllegalArgumentException("duplicate part name '" + p.name() + "'");
            ExrAttribute own = p.options().attributes().get("name");
            if (own != null && !p.name().equals(own.value())) {
                throw new IllegalArgumentException("part '" + p.name() + "' has a different 'name' attribute: " + own.value());
            }
            Encoded e = encodePart(p.image(), p.options(), p.name(), i, display);
            longNames |= e.longNames;
            encoded.add(e);
        }
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        Attributes.putInt(header, MAGIC);
        Attributes.putInt(header, 2 | FLAG_MULTIPART | (longNames ? LONG_NAMES : 0));
        for (Encoded e : encoded) writeAttributes(header, e.attrs);
        header.write(0); // an empty header ends the list
        writeTablesAndChunks(out, header, encoded);
    }

    static final int FLAG_MULTIPART = 0x1000;

    /** A part ready to write: its header attributes and its chunks (with part-number prefix in multi-part files). */
    private record Encoded(Map<String, ExrAttribute> attrs, boolean longNames, byte[][] chunks) {
    }

    private interface StreamWriter {
        void write(OutputStream out) throws IOException;
    }

    private static void atomically(Path path, StreamWriter body) throws IOException {
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 1 << 16)) {
                body.write(out);
            }
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void writeAttributes(ByteArrayOutputStream header, Map<String, ExrAttribute> attrs) {
        for (ExrAttribute a : attrs.values()) {
            byte[] value = Attributes.encode(a);
            header.writeBytes(a.name().getBytes(StandardCharsets.UTF_8));
            header.write(0);
            header.writeBytes(a.type().getBytes(StandardCharsets.US_ASCII));
            header.write(0);
            Attributes.putInt(header, value.length);
            header.writeBytes(value);
        }
        header.write(0);
    }

    private static void writeTablesAndChunks(OutputStream out, ByteArrayOutputStream header, List<Encoded> parts)
            throws IOException {
        long offset = header.size();
        for (Encoded e : parts) offset += 8L * e.chunks.length;
        ByteArrayOutputStream tables = new ByteArrayOutputStream();
        for (Encoded e : parts) {
            byte[] table = new byte[8 * e.chunks.length];
            for (int i = 0; i < e.chunks.length; i++) {
                putLong(table, 8 * i, offset);
                offset += e.chunks[i].length;
            }
            tables.writeBytes(table);
        }
        header.writeTo(out);
        tables.writeTo(out);
        for (Encoded e : parts) for (byte[] c : e.chunks) out.write(c);
        out.flush();
    }

    private static Encoded encodePart(FloatImage image, ExrWriteOptions options, String partName, int partNumber,
                                      Box2i sharedDisplay) {
        int w = image.width();
        int h = image.height();
        int[] order = sortedChannels(image.channels());
        ExrChannel[] channels = new ExrChannel[order.length];
        float[][] planes = new float[order.length][];
        for (int i = 0; i < order.length; i++) {
            String name = image.channels().get(order[i]);
            if (name.isEmpty() || name.getBytes(StandardCharsets.UTF_8).length > 255) {
                throw new IllegalArgumentException("channel name must have 1..255 bytes: '" + name + "'");
            }
            channels[i] = new ExrChannel(name, options.pixelType(name));
            planes[i] = image.planes()[order[i]];
        }
        for (String named : options.channelTypes().keySet()) {
            if (!image.has(named)) {
                throw new IllegalArgumentException("pixel type given for channel '" + named + "' which is not in " + image.channels());
            }
        }
        if ((long) options.originX() + w - 1 > Integer.MAX_VALUE || (long) options.originY() + h - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("data window does not fit int coordinates");
        }
        Box2i data = Box2i.ofSize(options.originX(), options.originY(), w, h);
        Box2i display = sharedDisplay != null ? sharedDisplay : options.displayWindow() != null ? options.displayWindow() : data;
        Compression compression = options.compression();
        int lpc = compression.linesPerChunk();
        int chunkCount = (h + lpc - 1) / lpc;

        Map<String, ExrAttribute> attrs = new TreeMap<>(Comparator.comparing(s -> s.getBytes(StandardCharsets.UTF_8),
                Arrays::compareUnsigned));
        attrs.putAll(options.attributes());
        put(attrs, "channels", "chlist", List.of(channels));
        put(attrs, "compression", "compression", compression);
        put(attrs, "dataWindow", "box2i", data);
        put(attrs, "displayWindow", "box2i", display);
        put(attrs, "lineOrder", "lineOrder", LineOrder.INCREASING_Y);
        put(attrs, "pixelAspectRatio", "float", 1f);
        put(attrs, "screenWindowCenter", "v2f", new float[] {0f, 0f});
        put(attrs, "screenWindowWidth", "float", 1f);
        if (partName != null) {
            put(attrs, "name", "string", partName);
            put(attrs, "type", "string", ExrHeader.SCANLINE);
            put(attrs, "chunkCount", "int", chunkCount);
        }
        boolean longNames = false;
        for (ExrChannel c : channels) longNames |= c.name().getBytes(StandardCharsets.UTF_8).length > 31;
        for (String n : attrs.keySet()) longNames |= n.getBytes(StandardCharsets.UTF_8).length > 31;

        byte[][] chunks = new byte[chunkCount][];
        int threads = Math.min(options.threads(), chunkCount / 4);
        if (threads <= 1 || (long) w * h * channels.length < 1 << 18) {
            encodeRange(0, chunkCount, chunks, planes, channels, data, w, h, options, partNumber);
        } else {
            List<Future<?>> futures = new ArrayList<>();
            int per = (chunkCount + threads - 1) / threads;
            for (int t = 1; t < threads; t++) {
                int from = t * per;
                int to = Math.min(chunkCount, from + per);
                if (from >= to) break;
                futures.add(Workers.POOL.submit(() -> {
                    encodeRange(from, to, chunks, planes, channels, data, w, h, options, partNumber);
                    return null;
                }));
            }
            try {
                encodeRange(0, Math.min(per, chunkCount), chunks, planes, channels, data, w, h, options, partNumber);
                for (Future<?> f : futures) Workers.await(f);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            } finally {
                for (Future<?> f : futures) f.cancel(true);
            }
        }
        return new Encoded(attrs, longNames, chunks);
    }

    /** Encodes chunks [from, to) with a codec of its own. */
    private static void encodeRange(int from, int to, byte[][] chunks, float[][] planes, ExrChannel[] channels, Box2i data,
                                    int w, int h, ExrWriteOptions options, int partNumber) {
        int prefix = partNumber >= 0 ? 4 : 0;
        int lpc = options.compression().linesPerChunk();
        try (ChunkCodec codec = ChunkCodec.create(options.compression(), options.zipLevel())) {
            byte[] raw = new byte[0];
            for (int i = from; i < to; i++) {
                int y0 = i * lpc;
                int y1 = Math.min(h - 1, y0 + lpc - 1);
                Block block = new Block(data.minX(), data.minY() + y0, data.maxX(), data.minY() + y1, channels);
                int rawLen = Math.toIntExact(block.rawSize());
                if (raw.length < rawLen) raw = new byte[rawLen];
                pack(planes, channels, w, y0, y1, raw);
                int n = codec.compress(raw, rawLen, block);
                byte[] src = n < rawLen ? codec.output() : raw;
                int len = n < rawLen ? n : rawLen;
                byte[] chunk = new byte[prefix + 8 + len];
                if (prefix > 0) putInt(chunk, 0, partNumber);
                putInt(chunk, prefix, block.minY());
                putInt(chunk, prefix + 4, len);
                System.arraycopy(src, 0, chunk, prefix + 8, len);
                chunks[i] = chunk;
            }
        }
    }

    /** Raw chunk data for image rows y0..y1: per row, per channel, per pixel, little-endian. */
    private static void pack(float[][] planes, ExrChannel[] channels, int w, int y0, int y1, byte[] raw) {
        int p = 0;
        for (int y = y0; y <= y1; y++) {
            int row = y * w;
            for (int c = 0; c < channels.length; c++) {
                float[] plane = planes[c];
                switch (channels[c].type()) {
                    case HALF -> {
                        for (int x = 0; x < w; x++) {
                            short s = Half.fromFloat(plane[row + x]);
                            raw[p++] = (byte) s;
                            raw[p++] = (byte) (s >>> 8);
                        }
                    }
                    case FLOAT -> {
                        for (int x = 0; x < w; x++) {
                            putInt(raw, p, Float.floatToRawIntBits(plane[row + x]));
                            p += 4;
                        }
                    }
                    case UINT -> {
                        for (int x = 0; x < w; x++) {
                            putInt(raw, p, (int) toUint(plane[row + x]));
                            p += 4;
                        }
                    }
                }
            }
        }
    }

    /** Float to UINT sample: rounded, clamped to [0, 2^32 - 1], NaN → 0. */
    static long toUint(float v) {
        if (!(v > 0)) return 0;
        if (v >= 4294967295f) return 0xffffffffL;
        return Math.round((double) v);
    }

    private static void put(Map<String, ExrAttribute> attrs, String name, String type, Object value) {
        attrs.put(name, new ExrAttribute(name, type, value, null));
    }

    /** Channel indices sorted by name bytes, the order OpenEXR stores them in. */
    static int[] sortedChannels(List<String> names) {
        Integer[] idx = new Integer[names.size()];
        for (int i = 0; i < idx.length; i++) idx[i] = i;
        Arrays.sort(idx, (a, b) -> Arrays.compareUnsigned(names.get(a).getBytes(StandardCharsets.UTF_8),
                names.get(b).getBytes(StandardCharsets.UTF_8)));
        return Arrays.stream(idx).mapToInt(Integer::intValue).toArray();
    }

    static void putInt(byte[] b, int i, int v) {
        b[i] = (byte) v;
        b[i + 1] = (byte) (v >>> 8);
        b[i + 2] = (byte) (v >>> 16);
        b[i + 3] = (byte) (v >>> 24);
    }

    static void putLong(byte[] b, int i, long v) {
        putInt(b, i, (int) v);
        putInt(b, i + 4, (int) (v >>> 32));
    }
}
