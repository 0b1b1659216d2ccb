package io.prism.vision.exr;

import io.prism.vision.ImageFormatException;
import io.prism.vision.image.FloatImage;

import java.io.EOFException;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Future;

/**
 * Reads OpenEXR files: single- and multi-part, scanline and tiled (level 0 of mip/rip maps), HALF/FLOAT/UINT
 * channels, every compression (NONE, RLE, ZIPS, ZIP, PIZ, PXR24, B44, B44A, DWAA, DWAB). Deep data is refused with an
 * "unsupported: ..." {@link ImageFormatException}.
 * <p>
 * Hostile input: every size is checked against the file length and {@link ExrLimits} before anything is allocated,
 * every chunk header is validated before pixel memory is reserved, and any inconsistency (or unexpected runtime
 * exception from decoding) becomes an {@link ImageFormatException} naming the source, the part and the problem.
 */
public final class ExrReader {
    static final int FLAG_TILED = 0x200;
    static final int FLAG_LONG_NAMES = 0x400;
    static final int FLAG_DEEP = 0x800;
    static final int FLAG_MULTIPART = 0x1000;
    /** Attribute values of all headers together (previews included) may not exceed this. */
    static final long MAX_HEADER_BYTES = 256L << 20;

    private ExrReader() {
    }

    public static ExrImage read(Path path) throws IOException {
        return read(path, ExrLimits.DEFAULT);
    }

    public static ExrImage read(Path path, ExrLimits limits) throws IOException {
        return read(path, limits, ChannelFilter.ALL);
    }

    /**
     * Decodes only the channels the filter accepts (the headers still list every channel); parts left without
     * channels are not decoded at all. Saves memory and time when a frame carries many layers but one is needed.
     */
    public static ExrImage read(Path path, ExrLimits limits, ChannelFilter channels) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return new Decoder(ExrSource.of(ch), path.toString(), limits, channels).decode(true);
        }
    }

    /** Which channels to decode: given the part's name (null if unnamed) and the channel's name. */
    @FunctionalInterface
    public interface ChannelFilter {
        ChannelFilter ALL = (part, channel) -> true;

        boolean accept(String part, String channel);

        /** Channels with one of these names, in any part. */
        static ChannelFilter named(java.util.Collection<String> names) {
            Set<String> set = Set.copyOf(names);
            return (part, channel) -> set.contains(channel);
        }
    }

    /** Reads from a channel (a file, an upload spooled to disk, ...); the channel is not closed. */
    public static ExrImage read(SeekableByteChannel channel, String sourceName, ExrLimits limits) throws IOException {
        return new Decoder(ExrSource.of(channel), sourceName, limits, ChannelFilter.ALL).decode(true);
    }

    public static ExrImage read(byte[] data, String sourceName, ExrLimits limits) throws ImageFormatException {
        try {
            return new Decoder(ExrSource.of(data), sourceName, limits, ChannelFilter.ALL).decode(true);
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException e) {
            throw new ImageFormatException(sourceName + ": " + e.getMessage(), e);
        }
    }

    /** The headers only (no pixel data is read). */
    public static List<ExrHeader> readHeaders(Path path) throws IOException {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return new Decoder(ExrSource.of(ch), path.toString(), ExrLimits.DEFAULT, ChannelFilter.ALL).decode(false)
                    .parts().stream()
                    .map(ExrPart::header).toList();
        }
    }

    /** All channels of all parts as one image; see {@link #merge}. */
    public static FloatImage readImage(Path path) throws IOException {
        return merge(read(path));
    }

    /** The chosen channels of all parts as one image, e.g. {@code ChannelFilter.named(List.of("R", "G", "B", "A"))}. */
    public static FloatImage readImage(Path path, ChannelFilter channels) throws IOException {
        return merge(read(path, ExrLimits.DEFAULT, channels));
    }

    public static FloatImage readImage(byte[] data, String sourceName) throws ImageFormatException {
        return merge(read(data, sourceName, ExrLimits.DEFAULT));
    }

    /**
     * All channels of all parts in one image. A channel name that occurs in more than one part is prefixed with its
     * part's name ("rgba_left.R"). Parts whose data windows differ are placed in the union of the windows (zero
     * where a part has no data); the result's pixel (0,0) is the union's top-left corner.
     */
    public static FloatImage merge(ExrImage exr) {
        // parts left without channels by a ChannelFilter do not count
        List<ExrPart> parts = exr.parts().stream().filter(p -> p.image().channelCount() > 0).toList();
        if (parts.isEmpty()) return exr.parts().get(0).image();
        if (parts.size() == 1) return parts.get(0).image();
        Map<String, Integer> counts = new HashMap<>();
        for (ExrPart p : parts) {
            for (String c : p.image().channels()) counts.merge(c, 1, Integer::sum);
        }
        int minX = Integer.MAX_VALUE, minY = Integer.MAX_VALUE, maxX = Integer.MIN_VALUE, maxY = Integer.MIN_VALUE;
        for (ExrPart p : parts) {
            Box2i d = p.header().dataWindow();
            minX = Math.min(minX, d.minX());
            minY = Math.min(minY, d.minY());
            maxX = Math.max(maxX, d.maxX());
            maxY = Math.max(maxY, d.maxY());
        }
        int w = Math.toIntExact((long) maxX - minX + 1);
        int h = Math.toIntExact((long) maxY - minY + 1);
        List<String> names = new ArrayList<>();
        List<float[]> planes = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (ExrPart p : parts) {
            FloatImage img = p.image();
            Box2i d = p.header().dataWindow();
            boolean same = d.minX() == minX && d.minY() == minY && img.width() == w && img.height() == h;
            for (int c = 0; c < img.channelCount(); c++) {
                String n = img.channels().get(c);
                String name = counts.get(n) > 1 ? p.label() + "." + n : n;
                for (int k = 2; !used.add(name); k++) name = p.label() + "." + n + "#" + k;
                names.add(name);
                if (same) {
                    planes.add(img.planes()[c]);
                } else {
                    float[] dst = new float[Math.multiplyExact(w, h)];
                    int ox = d.minX() - minX;
                    int oy = d.minY() - minY;
                    for (int y = 0; y < img.height(); y++) {
                        System.arraycopy(img.planes()[c], y * img.width(), dst, (oy + y) * w + ox, img.width());
                    }
                    planes.add(dst);
                }
            }
        }
        return new FloatImage(w, h, names, planes.toArray(new float[0][]));
    }

    /** Where a chunk lies and how big its data is, checked before pixel memory is allocated. */
    private record Chunk(long dataPos, int dataSize, Block block) {
    }

    /** One decoding run over a source. */
    static final class Decoder {
        private final ExrSource src;
        private final String source;
        private final ExrLimits limits;
        private final ChannelFilter filter;
        private String part; // for messages: the part being worked on
        private long fileSize;
        private long headerBytes; // attribute values read so far, all parts

        Decoder(ExrSource src, String source, ExrLimits limits, ChannelFilter filter) {
            this.src = src;
            this.source = source;
            this.limits = limits;
            this.filter = filter;
        }

        private boolean[] wanted(ExrHeader h) {
            boolean[] w = new boolean[h.channels().size()];
            for (int c = 0; c < w.length; c++) w[c] = filter.accept(h.name(), h.channels().get(c).name());
            return w;
        }

        ImageFormatException fail(String what) {
            return new ImageFormatException(printable(what + (part != null ? " in " + part : "")) + " of " + source);
        }

        /** Names from a broken header can hold any bytes; keep messages readable on a terminal and in logs. */
        private static String printable(String s) {
            StringBuilder b = new StringBuilder(s.length());
            s.codePoints().forEach(c -> b.append(Character.isISOControl(c) || c == 0xfffd ? '?' : Character.toString(c)));
            return b.toString();
        }

        ExrImage decode(boolean pixels) throws ImageFormatException {
            try {
                return decodeUnchecked(pixels);
            } catch (ImageFormatException e) {
                throw e;
            } catch (EOFException e) {
                throw fail("truncated: " + e.getMessage());
            } catch (CorruptDataException e) {
                throw fail("corrupt data: " + e.getMessage());
            } catch (IOException e) {
                throw new ImageFormatException("cannot read " + source + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                // A check we did not think of: still a clear error, never an escaping AIOOBE or similar.
                ImageFormatException x = fail("malformed OpenEXR data (" + e.getClass().getSimpleName()
                        + (e.getMessage() != null ? ": " + e.getMessage() : "") + ")");
                x.initCause(e);
                throw x;
            }
        }

        private ExrImage decodeUnchecked(boolean pixels) throws IOException {
            fileSize = src.size();
            Cursor in = new Cursor(src, fileSize);
            if (fileSize < 8) throw fail("not an OpenEXR file (only " + fileSize + " bytes)");
            int magic = in.i32();
            if (magic != ExrWriter.MAGIC) {
                throw fail("not an OpenEXR file (starts with " + String.format("%08x", Integer.reverseBytes(magic)) + ")");
            }
            int version = in.i32();
            if ((version & 0xff) != 2) throw fail("unsupported: OpenEXR file format version " + (version & 0xff));
            int flags = version & ~0xff;
            if ((flags & ~(FLAG_TILED | FLAG_LONG_NAMES | FLAG_DEEP | FLAG_MULTIPART)) != 0) {
                throw fail("unsupported: unknown version flags 0x" + Integer.toHexString(flags));
            }
            boolean multipart = (flags & FLAG_MULTIPART) != 0;
            boolean singleTiled = (flags & FLAG_TILED) != 0;
            boolean deep = (flags & FLAG_DEEP) != 0;
            int maxName = (flags & FLAG_LONG_NAMES) != 0 ? 255 : 31;
            if (multipart && singleTiled) throw fail("invalid version flags: multi-part and single-part tiled");
            if (deep && !multipart) {
                // deep single-part: the header tells whether scanline or tiled; both unsupported
                throw fail("unsupported: deep data (" + (singleTiled ? "deeptile" : "deepscanline") + ")");
            }

            List<Map<String, ExrAttribute>> rawHeaders = new ArrayList<>();
            do {
                if (rawHeaders.size() >= limits.maxParts()) throw fail("more than " + limits.maxParts() + " parts");
                part = multipart ? "part " + rawHeaders.size() : null;
                rawHeaders.add(readAttributes(in, maxName));
            } while (multipart && in.peekU8() != 0);
            if (multipart) in.u8(); // the empty header that ends the list

            List<ExrHeader> headers = new ArrayList<>();
            Set<String> partNames = new HashSet<>();
            for (int p = 0; p < rawHeaders.size(); p++) {
                Map<String, ExrAttribute> attrs = rawHeaders.get(p);
                ExrAttribute nameAttr = attrs.get("name");
                String name = nameAttr != null && nameAttr.value() instanceof String s ? s : null;
                part = name != null ? "part '" + name + "'" : multipart ? "part " + p : null;
                ExrHeader h = validate(attrs, multipart, singleTiled, name);
                if (multipart && !partNames.add(name)) throw fail("duplicate part name '" + name + "'");
                headers.add(h);
            }

            // Offset tables, one per part, right after the headers.
            List<long[]> offsets = new ArrayList<>();
            List<Long> chunkCounts = new ArrayList<>();
            long pos = in.pos();
            for (int p = 0; p < headers.size(); p++) {
                ExrHeader h = headers.get(p);
                part = label(h, p, multipart);
                long total = chunkCount(h);
                ExrAttribute cc = h.attributes().get("chunkCount");
                if (cc != null && cc.value() instanceof Integer n && n != total) {
                    throw fail("chunkCount attribute says " + n + " chunks, the geometry needs " + total);
                }
                if (total > (fileSize - pos) / 8) {
                    throw fail("truncated: offset table of " + total + " chunks does not fit in the remaining "
                            + (fileSize - pos) + " bytes");
                }
                chunkCounts.add(total);
                pos += 8 * total;
            }
            long tablesEnd = pos;
            pos = in.pos();
            for (int p = 0; p < headers.size(); p++) {
                ExrHeader h = headers.get(p);
                part = label(h, p, multipart);
                int level0 = (int) level0Chunks(h);
                byte[] table = new byte[8 * level0];
                src.read(pos, table, 0, table.length);
                long[] offs = new long[level0];
                for (int i = 0; i < level0; i++) {
                    long o = getLong(table, 8 * i);
                    if (o < tablesEnd || o > fileSize - 12) {
                        throw fail("chunk " + i + " has offset " + o + ", outside the file's chunk area ["
                                + tablesEnd + ", " + fileSize + ")");
                    }
                    offs[i] = o;
                }
                offsets.add(offs);
                pos += 8 * chunkCounts.get(p);
            }
            part = null;

            if (!pixels) {
                List<ExrPart> parts = new ArrayList<>();
                for (int p = 0; p < headers.size(); p++) parts.add(new ExrPart(p, headers.get(p), null));
                return new ExrImage(source, parts);
            }

            // Check every chunk header before allocating pixel memory.
            List<List<Chunk>> chunks = new ArrayList<>();
            long floatBytes = 0;
            for (int p = 0; p < headers.size(); p++) {
                ExrHeader h = headers.get(p);
                part = label(h, p, multipart);
                chunks.add(locateChunks(h, p, multipart, offsets.get(p)));
                int selected = 0;
                for (boolean b : wanted(h)) if (b) selected++;
                floatBytes += h.dataWindow().widthLong() * h.dataWindow().heightLong() * selected * 4L;
            }
            part = null;
            if (floatBytes > limits.maxBytes()) {
                throw fail("image needs " + floatBytes + " bytes of float data, over the limit of " + limits.maxBytes());
            }
            long heap = Runtime.getRuntime().maxMemory();
            if (floatBytes > heap / 10 * 8) {
                throw fail("image needs " + (floatBytes >> 20) + " MiB of float data, more than this JVM's heap ("
                        + (heap >> 20) + " MiB) can hold");
            }

            List<ExrPart> parts = new ArrayList<>();
            for (int p = 0; p < headers.size(); p++) {
                ExrHeader h = headers.get(p);
                part = label(h, p, multipart);
                parts.add(new ExrPart(p, h, decodePart(h, chunks.get(p))));
            }
            part = null;
            return new ExrImage(source, parts);
        }

        private static String label(ExrHeader h, int p, boolean multipart) {
            return h.name() != null ? "part '" + h.name() + "'" : multipart ? "part " + p : null;
        }

        private Map<String, ExrAttribute> readAttributes(Cursor in, int maxName) throws IOException {
            Map<String, ExrAttribute> attrs = new LinkedHashMap<>();
            while (true) {
                String name = in.cstring(maxName, "attribute name");
                if (name.isEmpty()) break;
                String type = in.cstring(maxName, "type name of attribute '" + name + "'");
                int size = in.i32();
                if (size < 0 || size > fileSize - in.pos()) {
                    throw fail("attribute '" + name + "' claims " + size + " bytes, the file has "
                            + (fileSize - in.pos()) + " left");
                }
                if (attrs.size() >= 100_000) throw fail("more than 100000 attributes");
                headerBytes += size;
                if (headerBytes > MAX_HEADER_BYTES || headerBytes > limits.maxBytes()) {
                    throw fail("attribute values add up to more than " + Math.min(MAX_HEADER_BYTES, limits.maxBytes())
                            + " bytes (attribute '" + name + "' of " + size + " bytes)");
                }
                byte[] raw = in.bytes(size);
                attrs.put(name, Attributes.decode(name, type, raw));
            }
            return attrs;
        }

        private ExrHeader validate(Map<String, ExrAttribute> a, boolean multipart, boolean singleTiled, String name)
                throws ImageFormatException {
            String type;
            if (multipart) {
                if (name == null) throw fail("multi-part file without a 'name' attribute");
                Object t = value(a, "type", "string");
                type = (String) t;
                if (type.equals("deepscanline") || type.equals("deeptile")) {
                    throw fail("unsupported: deep data (" + type + ")");
                }
                if (!type.equals(ExrHeader.SCANLINE) && !type.equals(ExrHeader.TILED)) {
                    throw fail("unsupported: part type '" + type + "'");
                }
            } else {
                type = singleTiled ? ExrHeader.TILED : ExrHeader.SCANLINE;
            }
            @SuppressWarnings("unchecked")
            List<ExrChannel> channels = new ArrayList<>((List<ExrChannel>) value(a, "channels", "chlist"));
            Compression compression = (Compression) value(a, "compression", "compression");
            Box2i data = (Box2i) value(a, "dataWindow", "box2i");
            Box2i display = (Box2i) value(a, "displayWindow", "box2i");
            LineOrder lineOrder = (LineOrder) value(a, "lineOrder", "lineOrder");
            float aspect = (Float) value(a, "pixelAspectRatio", "float");
            value(a, "screenWindowCenter", "v2f");
            value(a, "screenWindowWidth", "float");
            TileDescription tiles = null;
            if (type.equals(ExrHeader.TILED)) {
                tiles = (TileDescription) value(a, "tiles", "tiledesc");
            }
            if (!compression.readable()) throw fail("unsupported: compression " + compression);
            checkWindow(data, "data");
            checkWindow(display, "display");
            long pixels = data.widthLong() * data.heightLong();
            if (pixels > limits.maxPixels()) {
                throw fail("data window " + data + " has " + pixels + " pixels, over the limit of " + limits.maxPixels());
            }
            if (channels.isEmpty()) throw fail("no channels");
            if (channels.size() > limits.maxChannels()) {
                throw fail(channels.size() + " channels, over the limit of " + limits.maxChannels());
            }
            // OpenEXR keeps channels sorted by name and lays data out in that order, whatever the list's order.
            channels.sort((x, y) -> Arrays.compareUnsigned(x.name().getBytes(StandardCharsets.UTF_8),
                    y.name().getBytes(StandardCharsets.UTF_8)));
            Set<String> seen = new HashSet<>();
            for (ExrChannel c : channels) {
                if (c.name().isEmpty()) throw fail("channel with an empty name");
                if (!seen.add(c.name())) throw fail("duplicate channel '" + c.name() + "'");
                if (c.subsampled()) {
                    if (tiles != null) throw fail("subsampled channel '" + c.name() + "' in a tiled part");
                    if (Math.floorMod(data.minX(), c.xSampling()) != 0 || Math.floorMod(data.minY(), c.ySampling()) != 0
                            || data.widthLong() % c.xSampling() != 0 || data.heightLong() % c.ySampling() != 0) {
                        throw fail("channel '" + c.name() + "' with sampling " + c.xSampling() + "x" + c.ySampling()
                                + " does not divide the data window " + data);
                    }
                }
            }
            if (tiles != null) {
                if (tiles.xSize() < 1 || tiles.ySize() < 1) {
                    throw fail("invalid tile size " + tiles.xSize() + "x" + tiles.ySize());
                }
                long tilePixels = (long) Math.min(tiles.xSize(), data.widthLong()) * Math.min(tiles.ySize(), data.heightLong());
                if (tilePixels * channels.size() * 4 > Integer.MAX_VALUE - 64) {
                    throw fail("tile size " + tiles.xSize() + "x" + tiles.ySize() + " too large");
                }
            } else if ((long) Math.min(compression.linesPerChunk(), data.heightLong()) * data.widthLong() * channels.size() * 4
                    > Integer.MAX_VALUE - 64) {
                throw fail("scan line chunks of " + data.widthLong() + " pixels are too large");
            }
            return new ExrHeader(channels, data, display, compression, lineOrder, aspect, name, type, tiles, a);
        }

        private Object value(Map<String, ExrAttribute> a, String name, String type) throws ImageFormatException {
            ExrAttribute x = a.get(name);
            if (x == null) throw fail("missing required attribute '" + name + "'");
            if (!x.type().equals(type)) {
                throw fail("attribute '" + name + "' has type " + x.type() + ", expected " + type);
            }
            return x.value();
        }

        private void checkWindow(Box2i b, String what) throws ImageFormatException {
            // Half the int range keeps every derived coordinate computation free of overflow.
            int lim = Integer.MAX_VALUE / 2;
            if (b.minX() > b.maxX() || b.minY() > b.maxY()) throw fail("empty " + what + " window " + b);
            if (Math.abs((long) b.minX()) > lim || Math.abs((long) b.maxX()) > lim || Math.abs((long) b.minY()) > lim
                    || Math.abs((long) b.maxY()) > lim) {
                throw fail(what + " window " + b + " out of range");
            }
        }

        // ---- chunk geometry ----

        static int roundLog2(long x, TileDescription.RoundingMode r) {
            if (r == TileDescription.RoundingMode.ROUND_DOWN) return 63 - Long.numberOfLeadingZeros(x);
            return x <= 1 ? 0 : 64 - Long.numberOfLeadingZeros(x - 1);
        }

        static long levelSize(long full, int level, TileDescription.RoundingMode r) {
            long s = r == TileDescription.RoundingMode.ROUND_DOWN ? full >> level : (full + (1L << level) - 1) >> level;
            return Math.max(1, s);
        }

        static long chunkCount(ExrHeader h) {
            Box2i d = h.dataWindow();
            if (!h.tiled()) {
                int lpc = h.compression().linesPerChunk();
                return (d.heightLong() + lpc - 1) / lpc;
            }
            TileDescription t = h.tiles();
            long w = d.widthLong();
            long ht = d.heightLong();
            long n = 0;
            switch (t.levelMode()) {
                case ONE_LEVEL -> n = tiles(w, t.xSize()) * tiles(ht, t.ySize());
                case MIPMAP_LEVELS -> {
                    int levels = roundLog2(Math.max(w, ht), t.roundingMode()) + 1;
                    for (int l = 0; l < levels; l++) {
                        n += tiles(levelSize(w, l, t.roundingMode()), t.xSize())
                                * tiles(levelSize(ht, l, t.roundingMode()), t.ySize());
                    }
                }
                case RIPMAP_LEVELS -> {
                    int lx = roundLog2(w, t.roundingMode()) + 1;
                    int ly = roundLog2(ht, t.roundingMode()) + 1;
                    long sx = 0;
                    for (int l = 0; l < lx; l++) sx += tiles(levelSize(w, l, t.roundingMode()), t.xSize());
                    long sy = 0;
                    for (int l = 0; l < ly; l++) sy += tiles(levelSize(ht, l, t.roundingMode()), t.ySize());
                    n = sx * sy;
                }
            }
            return n;
        }

        private static long tiles(long size, int tile) {
            return (size + tile - 1) / tile;
        }

        static long level0Chunks(ExrHeader h) {
            if (!h.tiled()) return chunkCount(h);
            return tiles(h.dataWindow().widthLong(), h.tiles().xSize()) * tiles(h.dataWindow().heightLong(), h.tiles().ySize());
        }

        /** Largest plausible expansion of compressed data, to refuse chunks whose size claims are impossible. */
        private static long maxRatio(Compression c) {
            return switch (c) {
                case NONE -> 1;
                case RLE -> 65;          // a 2-byte run code yields at most 128 bytes
                case ZIPS, ZIP -> 1040;  // deflate expands at most ~1032:1
                case PXR24 -> 1400;      // deflate, and 3 bytes become 4 for FLOAT
                case PIZ -> 512;         // a Huffman run code of >= 10 bits yields at most 256 words
                case B44, B44A -> 11;    // 3 bytes for a flat 4x4 block of HALFs
                case DWAA, DWAB -> 135_000; // one zlib'd 2-byte DC value per 8x8 block of up to 4-byte samples
            };
        }

        private List<Chunk> locateChunks(ExrHeader h, int p, boolean multipart, long[] offsets) throws IOException {
            Box2i d = h.dataWindow();
            ExrChannel[] ch = h.channels().toArray(new ExrChannel[0]);
            List<Chunk> list = new ArrayList<>(offsets.length);
            int prefix = multipart ? 4 : 0;
            int headerLen = prefix + (h.tiled() ? 20 : 8);
            byte[] hb = new byte[headerLen];
            int numX = h.tiled() ? (int) tiles(d.widthLong(), h.tiles().xSize()) : 1;
            for (int i = 0; i < offsets.length; i++) {
                long o = offsets[i];
                if (o + headerLen > fileSize) throw fail("truncated: chunk " + i + " header beyond the end of the file");
                src.read(o, hb, 0, headerLen);
                if (multipart && getInt(hb, 0) != p) {
                    throw fail("chunk " + i + " belongs to part " + getInt(hb, 0) + ", expected " + p);
                }
                Block block;
                if (h.tiled()) {
                    int tx = i % numX;
                    int ty = i / numX;
                    int ftx = getInt(hb, prefix), fty = getInt(hb, prefix + 4);
                    int lx = getInt(hb, prefix + 8), ly = getInt(hb, prefix + 12);
                    if (ftx != tx || fty != ty || lx != 0 || ly != 0) {
                        throw fail("chunk " + i + " is tile (" + ftx + "," + fty + ") of level (" + lx + "," + ly
                                + "), expected tile (" + tx + "," + ty + ") of level (0,0)");
                    }
                    int x0 = d.minX() + tx * h.tiles().xSize();
                    int y0 = d.minY() + ty * h.tiles().ySize();
                    block = new Block(x0, y0, (int) Math.min((long) x0 + h.tiles().xSize() - 1, d.maxX()),
                            (int) Math.min((long) y0 + h.tiles().ySize() - 1, d.maxY()), ch);
                } else {
                    int lpc = h.compression().linesPerChunk();
                    long y0 = d.minY() + (long) i * lpc;
                    int fy = getInt(hb, prefix);
                    if (fy != y0) throw fail("chunk " + i + " starts at line " + fy + ", expected " + y0);
                    block = new Block(d.minX(), (int) y0, d.maxX(), (int) Math.min(y0 + lpc - 1, d.maxY()), ch);
                }
                int size = getInt(hb, headerLen - 4);
                long raw = block.rawSize();
                if (size < 0 || size > fileSize - o - headerLen) {
                    throw fail("truncated: chunk " + i + " claims " + size + " bytes, the file has "
                            + (fileSize - o - headerLen) + " after its header");
                }
                if (size > raw || (h.compression() == Compression.NONE && size != raw)) {
                    throw fail("chunk " + i + " has " + size + " bytes of data, its pixels need " + raw);
                }
                if (size < raw && raw > size * maxRatio(h.compression()) + 4096) {
                    throw fail("chunk " + i + " claims " + raw + " bytes of pixels from " + size + " bytes of "
                            + h.compression() + " data, impossible");
                }
                list.add(new Chunk(o + headerLen, size, block));
            }
            return list;
        }

        private FloatImage decodePart(ExrHeader h, List<Chunk> chunks) throws IOException {
            Box2i d = h.dataWindow();
            int w = d.width();
            int ht = d.height();
            List<ExrChannel> chs = h.channels();
            int nc = chs.size();
            boolean[] wanted = wanted(h);
            float[][] planes = new float[nc][];
            float[][] store = new float[nc][]; // where samples land: the plane, a small one if subsampled, null if unwanted
            int[] storeW = new int[nc];
            List<String> names = new ArrayList<>();
            List<float[]> kept = new ArrayList<>();
            try {
                for (int c = 0; c < nc; c++) {
                    if (!wanted[c]) continue;
                    planes[c] = new float[Math.multiplyExact(w, ht)];
                    names.add(chs.get(c).name());
                    kept.add(planes[c]);
                    ExrChannel ch = chs.get(c);
                    storeW[c] = w / ch.xSampling();
                    store[c] = ch.subsampled() ? new float[storeW[c] * (ht / ch.ySampling())] : planes[c];
                }
            } catch (OutOfMemoryError e) {
                throw fail("not enough memory for " + w + "x" + ht + "x" + nc + " float pixels");
            }
            if (names.isEmpty()) return new FloatImage(w, ht, List.of(), new float[0][]); // nothing wanted: skip the data
            int threads = Math.min(limits.maxThreads(), chunks.size() / 4);
            if (threads <= 1 || (long) w * ht * nc < 1 << 18) {
                decodeRange(h, chunks, 0, chunks.size(), store, storeW);
            } else {
                // contiguous ranges of chunks, one codec each; they write disjoint rows or tiles of the planes
                List<Future<?>> futures = new ArrayList<>();
                int per = (chunks.size() + threads - 1) / threads;
                for (int t = 1; t < threads; t++) {
                    int from = t * per;
                    int to = Math.min(chunks.size(), from + per);
                    if (from >= to) break;
                    futures.add(Workers.POOL.submit(() -> {
                        decodeRange(h, chunks, from, to, store, storeW);
                        return null;
                    }));
                }
                try {
                    decodeRange(h, chunks, 0, Math.min(per, chunks.size()), store, storeW);
                    for (Future<?> f : futures) Workers.await(f);
                } finally {
                    for (Future<?> f : futures) f.cancel(true);
                }
            }
            for (int c = 0; c < nc; c++) {
                ExrChannel ch = chs.get(c);
                if (wanted[c] && ch.subsampled()) {
                    upsample(store[c], storeW[c], ch.xSampling(), ch.ySampling(), planes[c], w, ht);
                }
            }
            return new FloatImage(w, ht, names, kept.toArray(new float[0][]));
        }

        private void decodeRange(ExrHeader h, List<Chunk> chunks, int from, int to, float[][] store, int[] storeW)
                throws IOException {
            Box2i d = h.dataWindow();
            List<ExrChannel> chs = h.channels();
            byte[] packed = new byte[0];
            byte[] raw = new byte[0];
            try (ChunkCodec codec = ChunkCodec.create(h.compression(), 4)) {
                for (int i = from; i < to; i++) {
                    if (Thread.currentThread().isInterrupted()) throw new ImageFormatException("interrupted");
                    Chunk k = chunks.get(i);
                    Block b = k.block();
                    int rawLen = (int) b.rawSize();
                    if (packed.length < k.dataSize()) packed = new byte[k.dataSize()];
                    src.read(k.dataPos(), packed, 0, k.dataSize());
                    byte[] data;
                    if (k.dataSize() < rawLen) {
                        if (raw.length < rawLen) raw = new byte[rawLen];
                        try {
                            codec.decompress(packed, 0, k.dataSize(), b, raw, rawLen);
                        } catch (CorruptDataException e) {
                            throw fail("corrupt " + h.compression() + " data in chunk " + i + ": " + e.getMessage());
                        }
                        data = raw;
                    } else {
                        data = packed;
                    }
                    unpack(data, b, d, chs, store, storeW);
                }
            }
        }

        /** Raw chunk data → float samples. */
        private static void unpack(byte[] data, Block b, Box2i d, List<ExrChannel> chs, float[][] store, int[] storeW) {
            int p = 0;
            for (int y = b.minY(); y <= b.maxY(); y++) {
                for (int c = 0; c < chs.size(); c++) {
                    if (!b.sampledRow(c, y)) continue;
                    ExrChannel ch = chs.get(c);
                    int n = b.nx(c);
                    int row = (y - d.minY()) / ch.ySampling();
                    int start = row * storeW[c] + (b.minX() - d.minX()) / ch.xSampling();
                    float[] dst = store[c];
                    if (dst == null) {
                        p += n * ch.type().bytes(); // not wanted
                        continue;
                    }
                    switch (ch.type()) {
                        case HALF -> {
                            for (int x = 0; x < n; x++, p += 2) dst[start + x] = Half.toFloat((short) SHORT_LE.get(data, p));
                        }
                        case FLOAT -> {
                            for (int x = 0; x < n; x++, p += 4) dst[start + x] = (float) FLOAT_LE.get(data, p);
                        }
                        case UINT -> {
                            for (int x = 0; x < n; x++, p += 4) dst[start + x] = (float) (getInt(data, p) & 0xffffffffL);
                        }
                    }
                }
            }
        }

        /** Replicates each sample of a subsampled channel over the xs × ys pixels it stands for. */
        private static void upsample(float[] small, int sw, int xs, int ys, float[] dst, int w, int h) {
            for (int y = 0; y < h; y++) {
                int srow = (y / ys) * sw;
                int drow = y * w;
                for (int x = 0; x < w; x++) dst[drow + x] = small[srow + x / xs];
            }
        }
    }

    private static final VarHandle SHORT_LE = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle FLOAT_LE = MethodHandles.byteArrayViewVarHandle(float[].class, ByteOrder.LITTLE_ENDIAN);

    static int getInt(byte[] b, int i) {
        return (b[i] & 0xff) | (b[i + 1] & 0xff) << 8 | (b[i + 2] & 0xff) << 16 | b[i + 3] << 24;
    }

    static long getLong(byte[] b, int i) {
        return (getInt(b, i) & 0xffffffffL) | ((long) getInt(b, i + 4) << 32);
    }

    /** Sequential reads of the header area, buffered, never past the end of the file. */
    static final class Cursor {
        private final ExrSource src;
        private final long size;
        private final byte[] buf = new byte[8192];
        private long bufPos = 0;
        private int bufLen = 0;
        private long pos = 0;

        Cursor(ExrSource src, long size) {
            this.src = src;
            this.size = size;
        }

        long pos() { return pos; }

        int peekU8() throws IOException {
            if (pos >= size) throw new EOFException("header ends at byte " + pos);
            if (pos < bufPos || pos >= bufPos + bufLen) fill();
            return buf[(int) (pos - bufPos)] & 0xff;
        }

        private void fill() throws IOException {
            bufPos = pos;
            bufLen = (int) Math.min(buf.length, size - pos);
            src.read(bufPos, buf, 0, bufLen);
        }

        int u8() throws IOException {
            int v = peekU8();
            pos++;
            return v;
        }

        int i32() throws IOException {
            return u8() | u8() << 8 | u8() << 16 | u8() << 24;
        }

        String cstring(int max, String what) throws IOException {
            byte[] s = new byte[max];
            for (int n = 0; ; n++) {
                int b = u8();
                if (b == 0) return new String(s, 0, n, StandardCharsets.UTF_8);
                if (n == max) throw new CorruptDataException(what + " longer than " + max + " bytes");
                s[n] = (byte) b;
            }
        }

        byte[] bytes(int n) throws IOException {
            if (n > size - pos) throw new EOFException("value of " + n + " bytes at " + pos);
            byte[] b = new byte[n];
            src.read(pos, b, 0, n);
            pos += n;
            return b;
        }
    }
}
