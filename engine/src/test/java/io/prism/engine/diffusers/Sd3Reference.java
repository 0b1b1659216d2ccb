package io.prism.engine.diffusers;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The SD3.5 transparency-segmentation reference fixtures in ../shared/testdata/sd3-reference (surefire passes
 * prism.shared.dir); tests skip where they are absent. Tensor helpers are {@link MarigoldReference}'s.
 */
public final class Sd3Reference {
    private Sd3Reference() {}

    public static Path dir() {
        Path dir = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "sd3-reference");
        assumeTrue(Files.isDirectory(dir), "SD3 reference fixtures not found at " + dir.toAbsolutePath());
        return dir;
    }

    /** The tiny diffusion-ft checkpoint (StableDiffusion3Pipeline layout, transformer in 32 / out 16). */
    public static Path tinyTransparency() {
        return dir().resolve("tiny-transparency");
    }

    /** The successor's one-step end-to-end transformer folder (in 16). */
    public static Path tinyE2eTransformer() {
        return dir().resolve("tiny-transparency-e2e/transformer");
    }

    public static SafetensorsFile open(String file) {
        return SafetensorsFile.open(dir().resolve(file));
    }
}
