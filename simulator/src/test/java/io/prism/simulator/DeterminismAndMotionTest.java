package io.prism.simulator;

import io.prism.simulator.math.Vec3;
import io.prism.simulator.scene.Camera;
import io.prism.simulator.scene.Scene;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

class DeterminismAndMotionTest {

    /** Same seed, 1 vs 2 vs 5 threads (and a fresh scene object each time): bit-identical layers. */
    @Test
    void pixelsDependOnTheSeedAloneNotOnThreadCount() {
        RenderedFrame one = new Renderer().render(SceneGenerator.generate(Style.NEON, 99), 3, 40, 30, 3, 1);
        RenderedFrame two = new Renderer().render(SceneGenerator.generate(Style.NEON, 99), 3, 40, 30, 3, 2);
        RenderedFrame five = new Renderer().render(SceneGenerator.generate(Style.NEON, 99), 3, 40, 30, 3, 5);
        assertThat(one.image().channels()).containsExactlyElementsOf(Renderer.CHANNELS);
        for (String c : Renderer.CHANNELS) {
            assertThat(Arrays.equals(one.image().plane(c), two.image().plane(c))).as("channel %s, 1 vs 2 threads", c).isTrue();
            assertThat(Arrays.equals(one.image().plane(c), five.image().plane(c))).as("channel %s, 1 vs 5 threads", c).isTrue();
        }
        assertThat(one.image()).isEqualTo(five.image());
    }

    /** A different seed is a different scene: the check above is not passing on constant output. */
    @Test
    void differentSeedsGiveDifferentImages() {
        FloatImage a = new Renderer().render(SceneGenerator.generate(Style.STUDIO, 1), 1, 32, 32, 2, 2).image();
        FloatImage b = new Renderer().render(SceneGenerator.generate(Style.STUDIO, 2), 1, 32, 32, 2, 2).image();
        assertThat(Arrays.equals(a.plane("R"), b.plane("R"))).isFalse();
        assertThat(Arrays.equals(a.plane("Z"), b.plane("Z"))).isFalse();
    }

    /** The camera moves a little every frame: frames differ, neighbours are close, motion is smooth. */
    @Test
    void cameraMovesAcrossFrames() {
        Scene scene = SceneGenerator.generate(Style.STUDIO, 5);
        Camera c1 = scene.cameraPath().at(1), c2 = scene.cameraPath().at(2), c24 = scene.cameraPath().at(24);
        double step = c2.position().sub(c1.position()).length();
        assertThat(step).isBetween(0.05, 0.5);
        assertThat(c24.position().sub(c1.position()).length()).isGreaterThan(10 * step);
        assertThat(c1.target()).isEqualTo(c24.target());

        Renderer r = new Renderer();
        RenderedFrame f1 = r.render(scene, 1, 48, 36, 1, 2), f2 = r.render(scene, 2, 48, 36, 1, 2), f24 = r.render(scene, 24, 48, 36, 1, 2);
        double d12 = meanAbsDiff(f1.albedo(), f2.albedo()), d1_24 = meanAbsDiff(f1.albedo(), f24.albedo());
        assertThat(d12).as("frame 1 vs 2").isGreaterThan(0);
        assertThat(d1_24).as("frame 1 vs 24 differs more than neighbours").isGreaterThan(d12);
        // Any frame renders on its own: frame 2 after frame 24 is the frame 2 from before.
        assertThat(r.render(scene, 2, 48, 36, 1, 1).image()).isEqualTo(f2.image());
    }

    /** The same seed keeps its layout in every style: depth and mask are identical, looks are not. */
    @Test
    void styleChangesTheLookButNotTheLayout() {
        RenderedFrame studio = new Renderer().render(SceneGenerator.generate(Style.STUDIO, 21), 2, 40, 30, 1, 2);
        RenderedFrame sunset = new Renderer().render(SceneGenerator.generate(Style.SUNSET, 21), 2, 40, 30, 1, 2);
        assertThat(studio.depth()).isEqualTo(sunset.depth());
        assertThat(studio.mask()).isEqualTo(sunset.mask());
        assertThat(Arrays.equals(studio.albedo().plane("R"), sunset.albedo().plane("R"))).isFalse();
    }

    private static double meanAbsDiff(FloatImage a, FloatImage b) {
        double s = 0;
        int n = 0;
        for (int c = 0; c < a.channelCount(); c++) {
            float[] pa = a.planes()[c], pb = b.planes()[c];
            for (int i = 0; i < pa.length; i++) {
                s += Math.abs(pa[i] - pb[i]);
                n++;
            }
        }
        return s / n;
    }

    @Test
    void vectorHelpersBehave() {
        // refract at normal incidence goes straight through; beyond the critical angle there is none
        Vec3 n = new Vec3(0, 1, 0);
        assertThat(Vec3.refract(new Vec3(0, -1, 0), n, 1 / 1.5)).isEqualTo(new Vec3(0, -1, 0));
        Vec3 grazing = new Vec3(Math.sin(Math.toRadians(60)), -Math.cos(Math.toRadians(60)), 0);
        assertThat(Vec3.refract(grazing, n, 1.5)).isNull();
    }
}
