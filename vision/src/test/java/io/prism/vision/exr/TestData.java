package io.prism.vision.exr;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Locates ../shared/testdata/openexr (surefire passes prism.shared.dir); tests skip when it is absent. */
final class TestData {
    private TestData() {
    }

    static Path openexrDir() {
        String shared = System.getProperty("prism.shared.dir", "../shared");
        Path dir = Path.of(shared, "testdata", "openexr");
        assumeTrue(Files.isDirectory(dir), "OpenEXR test images not found at " + dir.toAbsolutePath());
        return dir;
    }
}
