package io.prism.vision.exr;

import java.io.ByteArrayOutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Encodes and decodes attribute values (little-endian, as in the file). */
final class Attributes {
    private Attributes() {
    }

    /** Decodes a value of a known type; unknown types keep their raw bytes. Malformed values throw. */
    static ExrAttribute decode(String name, String type, byte[] raw) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        Object v;
        try {
            v = switch (type) {
                case "string" -> new String(raw, StandardCharsets.UTF_8);
                case "int" -> exact(raw, 4, type) ? b.getInt() : null;
                case "float" -> exact(raw, 4, type) ? b.getFloat() : null;
                case "double" -> exact(raw, 8, type) ? b.getDouble() : null;
                case "box2i" -> exact(raw, 16, type) ? new Box2i(b.getInt(), b.getInt(), b.getInt(), b.getInt()) : null;
                case "v2i" -> exact(raw, 8, type) ? new int[] {b.getInt(), b.getInt()} : null;
                case "v3i" -> exact(raw, 12, type) ? new int[] {b.getInt(), b.getInt(), b.getInt()} : null;
                case "rational" -> exact(raw, 8, type) ? new int[] {b.getInt(), b.getInt()} : null;
                case "v2f" -> floats(b, raw, 2, type);
                case "v3f" -> floats(b, raw, 3, type);
                case "box2f" -> floats(b, raw, 4, type);
                case "m33f" -> floats(b, raw, 9, type);
                case "m44f" -> floats(b, raw, 16, type);
                case "floatvector" -> {
                    if (raw.length % 4 != 0) throw new CorruptDataException("floatvector of " + raw.length + " bytes");
                    yield floats(b, raw, raw.length / 4, type);
                }
                case "chromaticities" -> {
                    float[] f = floats(b, raw, 8, type);
                    yield new Chromaticities(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]);
                }
                case "compression" -> {
                    exact(raw, 1, type);
                    Compression c = Compression.ofCode(raw[0] & 0xff);
                    if (c == null) throw new CorruptDataException("unknown compression code " + (raw[0] & 0xff));
                    yield c;
                }
                case "lineOrder" -> {
                    exact(raw, 1, type);
                    LineOrder o = LineOrder.ofCode(raw[0] & 0xff);
                    if (o == null) throw new CorruptDataException("unknown line order " + (raw[0] & 0xff));
                    yield o;
                }
                case "tiledesc" -> {
                    exact(raw, 9, type);
                    int xs = b.getInt();
                    int ys = b.getInt();
                    int mode = b.get() & 0xff;
                    int level = mode & 0xf;
                    int rounding = mode >> 4;
                    if (level > 2 || rounding > 1) throw new CorruptDataException("invalid tile level mode " + mode);
                    yield new TileDescription(xs, ys, TileDescription.LevelMode.values()[level],
                            TileDescription.RoundingMode.values()[rounding]);
                }
                case "stringvector" -> {
                    List<String> list = new ArrayList<>();
                    while (b.remaining() > 0) {
                        int n = b.getInt();
                        if (n < 0 || n > b.remaining()) throw new CorruptDataException("stringvector entry of " + n + " bytes");
                        byte[] s = new byte[n];
                        b.get(s);
                        list.add(new String(s, StandardCharsets.UTF_8));
                    }
                    yield List.copyOf(list);
                }
                case "chlist" -> channels(b);
                default -> raw;
            };
        } catch (BufferUnderflowException e) {
            throw new CorruptDataException("attribute '" + name + "' of type " + type + " is truncated");
        } catch (CorruptDataException e) {
            throw new CorruptDataException("attribute '" + name + "': " + e.getMessage());
        }
        return new ExrAttribute(name, type, v, raw);
    }

    private static boolean exact(byte[] raw, int n, String type) {
        if (raw.length != n) throw new CorruptDataException(type + " value has " + raw.length + " bytes, expected " + n);
        return true;
    }

    private static float[] floats(ByteBuffer b, byte[] raw, int n, String type) {
        exact(raw, 4 * n, type);
        float[] f = new float[n];
        for (int i = 0; i < n; i++) f[i] = b.getFloat();
        return f;
    }

    private static List<ExrChannel> channels(ByteBuffer b) {
        List<ExrChannel> list = new ArrayList<>();
        while (true) {
            if (!b.hasRemaining()) throw new CorruptDataException("channel list is not terminated");
            int start = b.position();
            int end = start;
            while (end < b.limit() && b.get(end) != 0) end++;
            if (end >= b.limit()) throw new CorruptDataException("channel name is not terminated");
            if (end == start) {
                b.get();
                break;
            }
            if (end - start > 255) throw new CorruptDataException("channel name longer than 255 bytes");
            String name = new String(b.array(), start, end - start, StandardCharsets.UTF_8);
            b.position(end + 1);
            int typeCode = b.getInt();
            PixelType t = PixelType.ofCode(typeCode);
            if (t == null) throw new CorruptDataException("channel '" + name + "' has unknown pixel type " + typeCode);
            boolean pLinear = b.get() != 0;
            b.get();
            b.get();
            b.get();
            int xs = b.getInt();
            int ys = b.getInt();
            if (xs < 1 || ys < 1) {
                throw new CorruptDataException("channel '" + name + "' has sampling " + xs + "x" + ys);
            }
            list.add(new ExrChannel(name, t, pLinear, xs, ys));
        }
        if (b.hasRemaining()) throw new CorruptDataException("channel list has trailing bytes");
        return List.copyOf(list);
    }

    /** Encodes a value for writing. */
    static byte[] encode(ExrAttribute a) {
        Object v = a.value();
        String type = a.type();
        ByteArrayOutputStream o = new ByteArrayOutputStream();
        switch (type) {
            case "string" -> o.writeBytes(((String) v).getBytes(StandardCharsets.UTF_8));
            case "int" -> putInt(o, (Integer) v);
            case "float" -> putInt(o, Float.floatToRawIntBits((Float) v));
            case "double" -> {
                long l = Double.doubleToRawLongBits((Double) v);
                putInt(o, (int) l);
                putInt(o, (int) (l >>> 32));
            }
            case "box2i" -> {
                Box2i box = (Box2i) v;
                putInt(o, box.minX());
                putInt(o, box.minY());
                putInt(o, box.maxX());
                putInt(o, box.maxY());
            }
            case "v2i", "v3i" -> {
                for (int i : (int[]) v) putInt(o, i);
            }
            case "v2f", "v3f", "box2f", "m33f", "m44f", "floatvector" -> {
                for (float f : (float[]) v) putInt(o, Float.floatToRawIntBits(f));
            }
            case "chromaticities" -> {
                Chromaticities c = (Chromaticities) v;
                for (float f : new float[] {c.redX(), c.redY(), c.greenX(), c.greenY(), c.blueX(), c.blueY(),
                        c.whiteX(), c.whiteY()}) {
                    putInt(o, Float.floatToRawIntBits(f));
                }
            }
            case "compression" -> o.write(((Compression) v).code());
            case "lineOrder" -> o.write(((LineOrder) v).ordinal());
            case "stringvector" -> {
                for (Object s : (List<?>) v) {
                    byte[] bytes = ((String) s).getBytes(StandardCharsets.UTF_8);
                    putInt(o, bytes.length);
                    o.writeBytes(bytes);
                }
            }
            case "chlist" -> {
                for (Object x : (List<?>) v) {
                    ExrChannel ch = (ExrChannel) x;
                    o.writeBytes(ch.name().getBytes(StandardCharsets.UTF_8));
                    o.write(0);
                    putInt(o, ch.type().code());
                    o.write(ch.pLinear() ? 1 : 0);
                    o.write(0);
                    o.write(0);
                    o.write(0);
                    putInt(o, ch.xSampling());
                    putInt(o, ch.ySampling());
                }
                o.write(0);
            }
            default -> {
                if (v instanceof byte[] bytes) {
                    o.writeBytes(bytes);
                } else {
                    throw new IllegalArgumentException("cannot encode attribute '" + a.name() + "' of type " + type);
                }
            }
        }
        return o.toByteArray();
    }

    static void putInt(ByteArrayOutputStream o, int v) {
        o.write(v);
        o.write(v >>> 8);
        o.write(v >>> 16);
        o.write(v >>> 24);
    }
}
