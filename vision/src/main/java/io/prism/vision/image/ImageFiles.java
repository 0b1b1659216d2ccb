package io.prism.vision.image;

import io.prism.vision.ImageFormatException;
import io.prism.vision.exr.BeautyLayer;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;

import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.ImageOutputStream;
import java.awt.Transparency;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentColorModel;
import java.awt.image.DataBuffer;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.awt.image.WritableRaster;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Reading and writing images by content and by name. Reading sniffs the magic number (OpenEXR, PNG, TIFF, JPEG),
 * so the extension does not matter; {@link #requireExr} insists on OpenEXR and says what the bytes really are.
 * <p>
 * PNG/TIFF/JPEG (through ImageIO) map to channels {@code R,G,B[,A]} or, for grey images, {@code Y[,A]}; integer
 * samples are scaled to [0, 1] by their bit depth (8 or 16 bit), float TIFF samples are kept as they are. No transfer
 * function is applied in either direction: an sRGB PNG reads as sRGB-encoded values. Alpha in PNG/TIFF is straight
 * (not premultiplied), unlike OpenEXR's convention (a TIFF stored with associated alpha is converted on reading); see
 * {@code io.prism.vision.color.Alpha}. TIFF goes through TwelveMonkeys' ImageIO plugin when it is on the class path
 * (it is a dependency of this module), which reads what libtiff-based tools write (16-bit with predictor).
 */
public final class ImageFiles {
    private ImageFiles() {
    }

    /** Reads any supported image, whatever its extension. */
    public static FloatImage read(Path path) throws IOException {
        ImageFormat f = sniff(path);
        if (f == ImageFormat.EXR) return ExrReader.readImage(path);
        return readRaster(Files.readAllBytes(path), path.toString(), f);
    }

    /**
     * Reads the beauty of a frame as the models take it: for OpenEXR the layer {@link BeautyLayer} chooses
     * ({@code requested}, else {@code PRISM_BEAUTY_LAYER}, else its default rules) as R, G, B[, A] in the linear
     * working space (luminance/chroma and wide-gamut files converted); other formats as {@link #read(Path)} gives them.
     */
    public static FloatImage readBeauty(Path path, String requested) throws IOException {
        if (sniff(path) != ImageFormat.EXR) return read(path);
        return BeautyLayer.read(path, requested != null ? requested : BeautyLayer.fromEnvironment()).image();
    }

    /**
     * {@link #readBeauty(Path, String)} for bytes in memory (an upload, a blob). {@code limits} bounds the decode
     * (e.g. {@code ExrLimits.DEFAULT.withMaxThreads(1)} on a pool that decodes frames in parallel).
     */
    public static FloatImage readBeauty(byte[] data, String name, String requested, ExrLimits limits) throws ImageFormatException {
        ImageFormat f = sniff(data, data.length, name);
        if (f != ImageFormat.EXR) return readRaster(data, name, f);
        return BeautyLayer.extract(ExrReader.read(data, name, limits),
                requested != null ? requested : BeautyLayer.fromEnvironment()).image();
    }

    /** {@link #readBeauty(byte[], String, String, ExrLimits)} with the default limits. */
    public static FloatImage readBeauty(byte[] data, String name, String requested) throws ImageFormatException {
        return readBeauty(data, name, requested, ExrLimits.DEFAULT);
    }

    /**
     * True for OpenEXR content, which holds scene-linear light; PNG/TIFF/JPEG hold display-referred (sRGB-encoded)
     * values.
     */
    public static boolean isSceneLinear(Path path) throws IOException {
        return sniff(path) == ImageFormat.EXR;
    }

    /** {@link #isSceneLinear(Path)} for bytes in memory. */
    public static boolean isSceneLinear(byte[] data) {
        return ImageFormat.sniff(data, data.length) == ImageFormat.EXR;
    }

    /** {@link #readBeauty(Path, String)} with the layer from {@code PRISM_BEAUTY_LAYER} or the default rules. */
    public static FloatImage readBeauty(Path path) throws IOException {
        return readBeauty(path, null);
    }

    /** Reads any supported image from memory (an upload); {@code name} is used in error messages. */
    public static FloatImage read(byte[] data, String name) throws ImageFormatException {
        ImageFormat f = sniff(data, data.length, name);
        if (f == ImageFormat.EXR) return ExrReader.readImage(data, name);
        return readRaster(data, name, f);
    }

    /** Reads an OpenEXR file, failing clearly if the bytes are something else (e.g. a PNG named .exr). */
    public static FloatImage requireExr(Path path) throws IOException {
        requireExrMagic(sniff(path), path.toString());
        return ExrReader.readImage(path);
    }

    public static FloatImage requireExr(byte[] data, String name) throws ImageFormatException {
        requireExrMagic(sniff(data, data.length, name), name);
        return ExrReader.readImage(data, name);
    }

    private static void requireExrMagic(ImageFormat f, String name) throws ImageFormatException {
        if (f != ImageFormat.EXR) {
            throw new ImageFormatException(name + " is not an OpenEXR file: its content is a " + f.label() + " image");
        }
    }

    /** The format of a file's content (not its name). */
    public static ImageFormat sniff(Path path) throws IOException {
        byte[] head = new byte[8];
        int n;
        try (InputStream in = Files.newInputStream(path)) {
            n = in.readNBytes(head, 0, 8);
        }
        return sniff(head, n, path.toString());
    }

    private static ImageFormat sniff(byte[] head, int n, String name) throws ImageFormatException {
        ImageFormat f = ImageFormat.sniff(head, n);
        if (f == null) {
            StringBuilder hex = new StringBuilder();
            for (int i = 0; i < Math.min(n, 8); i++) hex.append(String.format("%02x", head[i] & 0xff));
            throw new ImageFormatException(name + " is not a supported image (first bytes " + hex
                    + "); expected OpenEXR, PNG, TIFF or JPEG");
        }
        return f;
    }

    private static FloatImage readRaster(byte[] data, String name, ImageFormat f) throws ImageFormatException {
        try (ImageInputStream iis = ImageIO.createImageInputStream(new ByteArrayInputStream(data))) {
            ImageReader reader = preferredReader(ImageIO.getImageReaders(iis));
            if (reader == null) throw new ImageFormatException("no " + f.label() + " decoder for " + name);
            try {
                reader.setInput(iis, true, true);
                long pixels = (long) reader.getWidth(0) * reader.getHeight(0);
                if (pixels > ExrLimits.DEFAULT.maxPixels()) {
                    throw new ImageFormatException(name + ": " + reader.getWidth(0) + "x" + reader.getHeight(0)
                            + " pixels, over the limit of " + ExrLimits.DEFAULT.maxPixels());
                }
                return toFloatImage(reader.read(0));
            } finally {
                reader.dispose();
            }
        } catch (ImageFormatException e) {
            throw e;
        } catch (IOException | RuntimeException e) {
            throw new ImageFormatException("cannot decode " + f.label() + " image " + name + ": " + e.getMessage(), e);
        }
    }

    /** The JDK's own writers (tested here for 8/16-bit PNG, TIFF with Deflate, JPEG), else the first available. */
    private static ImageWriter preferredWriter(Iterator<ImageWriter> writers) {
        ImageWriter first = null;
        while (writers.hasNext()) {
            ImageWriter w = writers.next();
            if (w.getClass().getName().startsWith("com.sun.imageio.")) {
                if (first != null) first.dispose();
                return w;
            }
            if (first == null) first = w;
            else w.dispose();
        }
        return first;
    }

    /**
     * TwelveMonkeys' plugins when present (their TIFF reader handles 16-bit data with a predictor, which the JDK's
     * does not), else the first one ImageIO offers.
     */
    private static ImageReader preferredReader(Iterator<ImageReader> readers) {
        ImageReader first = null;
        while (readers.hasNext()) {
            ImageReader r = readers.next();
            if (r.getClass().getName().startsWith("com.twelvemonkeys.")) {
                if (first != null) first.dispose();
                return r;
            }
            if (first == null) first = r;
            else r.dispose();
        }
        return first;
    }

    /**
     * A BufferedImage as a float image, samples scaled to [0,1] by bit depth (float samples kept). Premultiplied
     * (associated) alpha, as some TIFFs have, is divided out: raster images come back with straight alpha.
     */
    public static FloatImage toFloatImage(BufferedImage img) {
        ColorModel cm = img.getColorModel();
        int w = img.getWidth();
        int h = img.getHeight();
        int space = cm.getColorSpace().getType();
        boolean simple = !(cm instanceof IndexColorModel)
                && (space == ColorSpace.TYPE_RGB || space == ColorSpace.TYPE_GRAY)
                && cm.getNumComponents() == img.getRaster().getNumBands();
        if (!simple) {
            // palette, CMYK, ...: let Java2D convert to 8-bit sRGB
            BufferedImage argb = new BufferedImage(w, h, cm.hasAlpha() ? BufferedImage.TYPE_INT_ARGB : BufferedImage.TYPE_INT_RGB);
            argb.getGraphics().drawImage(img, 0, 0, null);
            img = argb;
            cm = img.getColorModel();
            space = ColorSpace.TYPE_RGB;
        }
        boolean gray = space == ColorSpace.TYPE_GRAY;
        boolean alpha = cm.hasAlpha();
        List<String> names = new ArrayList<>(gray ? List.of("Y") : List.of("R", "G", "B"));
        if (alpha) names.add("A");
        Raster r = img.getRaster();
        int transfer = r.getTransferType();
        boolean isFloat = transfer == DataBuffer.TYPE_FLOAT || transfer == DataBuffer.TYPE_DOUBLE;
        float[][] planes = new float[names.size()][w * h];
        for (int b = 0; b < names.size(); b++) {
            // packed models (INT_RGB) report component sizes; bands follow colour-space order then alpha
            int bits = cm.getComponentSize(b);
            float max = isFloat ? 1f : (float) ((1L << bits) - 1);
            float[] row = new float[w];
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, b, row);
                for (int x = 0; x < w; x++) planes[b][y * w + x] = row[x] / max;
            }
        }
        if (alpha && cm.isAlphaPremultiplied()) {
            float[] a = planes[names.size() - 1];
            for (int b = 0; b < names.size() - 1; b++) {
                for (int i = 0; i < a.length; i++) if (a[i] > 0) planes[b][i] /= a[i];
            }
        }
        return new FloatImage(w, h, names, planes);
    }

    /** Writes by extension: .exr (ZIP, HALF), .png (8-bit), .tif/.tiff (8-bit), .jpg/.jpeg. Atomic (temp + rename). */
    public static void write(Path path, FloatImage image) throws IOException {
        write(path, image, RasterOptions.DEFAULT);
    }

    public static void write(Path path, FloatImage image, RasterOptions options) throws IOException {
        ImageFormat f = ImageFormat.ofExtension(path);
        if (f == null) {
            throw new IllegalArgumentException("cannot tell the format from the name " + path
                    + " (use .exr, .png, .tif, .tiff, .jpg or .jpeg)");
        }
        if (f == ImageFormat.EXR) {
            ExrWriter.write(path, image, ExrWriteOptions.defaults());
            return;
        }
        byte[] bytes = encode(image, f, options);
        Path abs = path.toAbsolutePath();
        if (abs.getParent() != null) Files.createDirectories(abs.getParent());
        Path tmp = abs.resolveSibling("." + abs.getFileName() + "." + Long.toHexString(System.nanoTime()) + ".tmp");
        try {
            Files.write(tmp, bytes, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
            try {
                Files.move(tmp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The bytes of a PNG, TIFF or JPEG file (for EXR use {@link ExrWriter#encode}). */
    public static byte[] encode(FloatImage image, ImageFormat format, RasterOptions options) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            write(out, image, format, options);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return out.toByteArray();
    }

    public static void write(OutputStream out, FloatImage image, ImageFormat format, RasterOptions options)
            throws IOException {
        if (format == ImageFormat.EXR) {
            ExrWriter.write(out, image, ExrWriteOptions.defaults());
            return;
        }
        boolean jpeg = format == ImageFormat.JPEG;
        List<String> chosen = displayChannels(image);
        if (jpeg && (chosen.size() == 2 || chosen.size() == 4)) {
            chosen = chosen.subList(0, chosen.size() - 1); // JPEG has no alpha: previews drop it
        }
        BufferedImage img = toBufferedImage(image.select(chosen), jpeg ? 8 : options.bitDepth());
        String formatName = switch (format) {
            case PNG -> "png";
            case TIFF -> "tiff";
            case JPEG -> "jpeg";
            default -> throw new IllegalArgumentException(format.toString());
        };
        ImageWriter writer = preferredWriter(ImageIO.getImageWritersByFormatName(formatName));
        if (writer == null) throw new IOException("no ImageIO writer for " + formatName);
        try (ImageOutputStream ios = ImageIO.createImageOutputStream(out)) {
            writer.setOutput(ios);
            ImageWriteParam param = writer.getDefaultWriteParam();
            if (jpeg) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionQuality(options.jpegQuality());
            } else if (format == ImageFormat.TIFF) {
                param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
                param.setCompressionType("Deflate");
            }
            writer.write(null, new IIOImage(img, null, null), param);
        } finally {
            writer.dispose();
        }
    }

    /**
     * Which channels make a displayable picture: R,G,B[,A]; else Y[,A]; else an image of 1..4 channels in order
     * (grey, grey+alpha, RGB, RGBA). Anything else must be narrowed with {@link FloatImage#select} first.
     */
    static List<String> displayChannels(FloatImage image) {
        if (image.has("R") && image.has("G") && image.has("B")) {
            return image.has("A") ? List.of("R", "G", "B", "A") : List.of("R", "G", "B");
        }
        if (image.has("Y")) return image.has("A") ? List.of("Y", "A") : List.of("Y");
        if (image.channelCount() >= 1 && image.channelCount() <= 4) return image.channels();
        throw new IllegalArgumentException("cannot pick display channels from " + image.channels()
                + "; select R,G,B[,A] or Y[,A] first");
    }

    /** 1–4 channels as a grey, grey+alpha, RGB or RGBA BufferedImage of 8 or 16 bits. */
    static BufferedImage toBufferedImage(FloatImage image, int bits) {
        int bands = image.channelCount();
        boolean alpha = bands == 2 || bands == 4;
        ColorSpace cs = ColorSpace.getInstance(bands <= 2 ? ColorSpace.CS_GRAY : ColorSpace.CS_sRGB);
        int type = bits == 8 ? DataBuffer.TYPE_BYTE : DataBuffer.TYPE_USHORT;
        ComponentColorModel cm = new ComponentColorModel(cs, alpha, false,
                alpha ? Transparency.TRANSLUCENT : Transparency.OPAQUE, type);
        int w = image.width();
        int h = image.height();
        WritableRaster r = cm.createCompatibleWritableRaster(w, h);
        float max = bits == 8 ? 255f : 65535f;
        int[] row = new int[w];
        for (int b = 0; b < bands; b++) {
            float[] p = image.planes()[b];
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    float v = p[y * w + x];
                    row[x] = v > 0 ? (v >= 1 ? (int) max : Math.round(v * max)) : 0; // NaN and negatives → 0
                }
                r.setSamples(0, y, w, 1, b, row);
            }
        }
        return new BufferedImage(cm, r, false, null);
    }

}
