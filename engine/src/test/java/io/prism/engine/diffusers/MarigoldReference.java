package io.prism.engine.diffusers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The diffusers reference fixtures in ../shared/testdata/marigold-reference (surefire passes prism.shared.dir); tests
 * skip where they are absent. Tolerances are the fixture README's recommended float32 ones.
 */
public final class MarigoldReference {
    private MarigoldReference() {}

    public static Path dir() {
        Path dir = Path.of(System.getProperty("prism.shared.dir", "../shared"), "testdata", "marigold-reference");
        assumeTrue(Files.isDirectory(dir), "Marigold reference fixtures not found at " + dir.toAbsolutePath());
        return dir;
    }

    /** The tiny random-weight Marigold-IID checkpoint in diffusers layout. */
    public static Path tinyIid() {
        return dir().resolve("tiny-iid");
    }

    public static SafetensorsFile open(String file) {
        return SafetensorsFile.open(dir().resolve(file));
    }

    /** A fixture tensor as an NDArray on {@code m}. */
    public static NDArray tensor(NDManager m, SafetensorsFile f, String name) {
        return m.create(f.floats(name), new Shape(f.entry(name).shape()));
    }

    /** Max |actual − expected| after checking the shapes agree. */
    public static double maxAbsDiff(NDArray actual, SafetensorsFile f, String name) {
        assertThat(actual.getShape().getShape()).as(name + " shape").containsExactly(f.entry(name).shape());
        float[] a = actual.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
        float[] e = f.floats(name);
        double max = 0;
        for (int i = 0; i < a.length; i++) max = Math.max(max, Math.abs((double) a[i] - e[i]));
        return max;
    }

    /** Max |expected| (to scale intermediate tolerances: ~1e-5 × max|reference|). */
    public static double maxAbs(SafetensorsFile f, String name) {
        double max = 0;
        for (float v : f.floats(name)) max = Math.max(max, Math.abs(v));
        return max;
    }
}
