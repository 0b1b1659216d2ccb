package io.prism.vision.image;

import java.nio.file.Path;
import java.util.Locale;

/** File formats Prism reads and writes, recognised by their first bytes or by a file extension. */
public enum ImageFormat {
    EXR("OpenEXR"), PNG("PNG"), TIFF("TIFF"), JPEG("JPEG");

    private final String label;

    ImageFormat(String label) {
        this.label = label;
    }

    public String label() { return label; }

    /** The format whose magic number starts {@code head}, or null. */
    public static ImageFormat sniff(byte[] head, int len) {
        if (len >= 4 && (head[0] & 0xff) == 0x76 && (head[1] & 0xff) == 0x2f && (head[2] & 0xff) == 0x31
                && (head[3] & 0xff) == 0x01) return EXR;
        if (len >= 8 && (head[0] & 0xff) == 0x89 && head[1] == 'P' && head[2] == 'N' && head[3] == 'G'
                && head[4] == 0x0d && head[5] == 0x0a && head[6] == 0x1a && head[7] == 0x0a) return PNG;
        if (len >= 4 && ((head[0] == 'I' && head[1] == 'I' && head[2] == 42 && head[3] == 0)
                || (head[0] == 'M' && head[1] == 'M' && head[2] == 0 && head[3] == 42))) return TIFF;
        if (len >= 3 && (head[0] & 0xff) == 0xff && (head[1] & 0xff) == 0xd8 && (head[2] & 0xff) == 0xff) return JPEG;
        return null;
    }

    /** The format a file name's extension names (.exr, .png, .tif, .tiff, .jpg, .jpeg), or null. */
    public static ImageFormat ofExtension(Path path) {
        String n = path.getFileName().toString().toLowerCase(Locale.ROOT);
        int dot = n.lastIndexOf('.');
        String ext = dot < 0 ? "" : n.substring(dot + 1);
        return switch (ext) {
            case "exr" -> EXR;
            case "png" -> PNG;
            case "tif", "tiff" -> TIFF;
            case "jpg", "jpeg" -> JPEG;
            default -> null;
        };
    }
}
