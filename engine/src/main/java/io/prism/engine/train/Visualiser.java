package io.prism.engine.train;

import io.prism.vision.image.FloatImage;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Writes a PNG grid, one row per sample: input | prediction | ground truth (all sRGB-encoded in [0, 1]). */
public final class Visualiser {
    private Visualiser() {}

    public static void write(Path file, List<FloatImage[]> rows) throws IOException {
        if (rows.isEmpty()) return;
        int cw = 0, rh = 0;
        for (FloatImage[] r : rows) {
            rh = Math.max(rh, r[0].height());
            cw = Math.max(cw, r[0].width());
        }
        int cols = rows.get(0).length;
        BufferedImage out = new BufferedImage(cw * cols, rh * rows.size(), BufferedImage.TYPE_INT_RGB);
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < cols; c++) {
                FloatImage img = rows.get(r)[c];
                for (int y = 0; y < img.height(); y++) {
                    for (int x = 0; x < img.width(); x++) {
                        int rgb = 0;
                        for (int k = 0; k < 3; k++) {
                            float v = img.get(Math.min(k, img.channelCount() - 1), x, y);
                            rgb = (rgb << 8) | Math.round(Math.min(1f, Math.max(0f, v)) * 255);
                        }
                        out.setRGB(c * cw + x, r * rh + y, rgb);
                    }
                }
            }
        }
        Files.createDirectories(file.toAbsolutePath().getParent());
        ImageIO.write(out, "png", file.toFile());
    }
}
