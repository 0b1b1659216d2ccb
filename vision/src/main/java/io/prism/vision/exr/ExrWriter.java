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
        Path abs = path.toAbsolutePath();
        Path dir = abs.getParent();
        if (dir != null) Files.createDirectories(dir);
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp, StandardOpenOption.CREATE_NEW,
                    StandardOpenOption.WRITE), 1 << 16)) {
                write(out, image, options);
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
        Box2i data = Box2i.ofSize(options.originX(), options.originY(), w, h);
        if ((long) options.originX() + w - 1 > Integer.MAX_VALUE || (long) options.originY() + h - 1 > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("data window does not fit int coordinates");
        }
        Box2i display = options.displayWindow() != null ? options.displayWindow() : data;
        Compression compression = options.compression();

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

        ByteArrayOutputStream header = new ByteArrayOutputStream();
        Attributes.putInt(header, MAGIC);
        boolean longNames = false;
        for (ExrChannel c : channels) longNames |= c.name().getBytes(StandardCharsets.UTF_8).length > 31;
        for (String n : attrs.keySet()) longNames |= n.getBytes(StandardCharsets.UTF_8).length > 31;
        Attributes.putInt(header, 2 | (longNames ? LONG_NAMES : 0));
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

        int lpc = compression.linesPerChunk();
        int chunkCount = (h + lpc - 1) / lpc;
        byte[][] chunks = new byte[chunkCount][];
        int threads = Math.min(options.threads(), chunkCount / 4);
        if (threads <= 1 || (long) w * h * channels.length < 1 << 18) {
            encodeRange(0, chunkCount, chunks, planes, channels, data, w, h, options);
        } else {
            List<Future<?>> futures = new ArrayList<>();
            int per = (chunkCount + threads - 1) / threads;
            for (int t = 1; t < threads; t++) {
                int from = t * per;
                int to = Math.min(chunkCount, from + per);
                if (from >= to) break;
                futures.add(Workers.POOL.submit(() -> {
                    encodeRange(from, to, chunks, planes, channels, data, w, h, options);
                    return null;
                }));
            }
            try {
                encodeRange(0, Math.min(per, chunkCount), chunks, planes, channels, data, w, h, options);
                for (Future<?> f : futures) Workers.await(f);
            } finally {
                for (Future<?> f : futures) f.cancel(true);
            }
        }
        byte[] table = new byte[8 * chunkCount];
        long offset = header.size() + (long) table.length;
        for (int i = 0; i < chunkCount; i++) {
            putLong(table, 8 * i, offset);
            offset += chunks[i].length;
        }
        header.writeTo(out);
        out.write(table);
        for (byte[] c : chunks) out.write(c);
        out.flush();
    }

    /** Encodes chunks [from, to) with a codec of its own. */
    private static void encodeRange(int from, int to, byte[][] chunks, float[][] planes, ExrChannel[] channels, Box2i data,
                                    int w, int h, ExrWriteOptions options) {
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
                byte[] chunk = new byte[8 + len];
                putInt(chunk, 0, block.minY());
                putInt(chunk, 4, len);
                System.arraycopy(src, 0, chunk, 8, len);
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
