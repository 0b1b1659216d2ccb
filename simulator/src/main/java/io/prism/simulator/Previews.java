package io.prism.simulator;

import io.prism.vision.image.FloatImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** 8-bit PNG previews of linear images (sRGB-encoded colour, or linear data such as masks). */
final class Previews {
    private Previews() {
    }

    static void writeSrgb(Path path, FloatImage img) throws IOException {
        write(path, img, true);
    }

    static void writeLinear(Path path, FloatImage img) throws IOException {
        write(path, img, false);
    }

    private static void write(Path path, FloatImage img, boolean srgb) throws IOException {
        int w = img.width(), h = img.height();
        float[][] p = img.planes();
        int cr = 0, cg = Math.min(1, p.length - 1), cb = Math.min(2, p.length - 1);
        BufferedImage bi = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int i = y * w + x;
                bi.setRGB(x, y, (to8(p[cr][i], srgb) << 16) | (to8(p[cg][i], srgb) << 8) | to8(p[cb][i], srgb));
            }
        }
        Path tmp = path.resolveSibling("." + path.getFileName() + ".tmp");
        Files.createDirectories(path.toAbsolutePath().getParent());
        if (!ImageIO.write(bi, "png", tmp.toFile())) throw new IOException("no PNG writer available");
        Files.move(tmp, path, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static int to8(float v, boolean srgb) {
        double x = v > 0 ? (v < 1 ? v : 1) : 0; // NaN -> 0
        if (srgb) x = x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
        return (int) Math.round(x * 255);
    }
}
