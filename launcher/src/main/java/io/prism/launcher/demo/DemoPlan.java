package io.prism.launcher.demo;

import java.time.Duration;

/**
 * How much the demo renders and trains. {@link #standard()} is {@code prism demo}; {@link #quick()} is the shortened
 * run the test suite uses. Frames are rendered by the synthetic farm into the watched folder at {@code fps}.
 *
 * @param size             frame width and height
 * @param samples          path-tracing samples per pixel
 * @param productionFrames frames of the first shot (style studio, beauty only: no ground truth)
 * @param pairFrames       frames of the second shot (new style, with albedo/mask AOVs: ground-truth pairs)
 * @param afterFrames      frames of the third shot (new style, beauty only) rendered after the promotion
 * @param fps              farm emission rate
 * @param trainerSteps     optimiser steps of the fine-tune
 * @param timeout          give up waiting for the loop after this long
 */
public record DemoPlan(int size, int samples, int productionFrames, int pairFrames, int afterFrames, double fps,
                       int trainerSteps, Duration timeout, String newStyle) {

    public static DemoPlan standard() {
        return new DemoPlan(96, 8, 24, 48, 16, 4.0, 300, Duration.ofMinutes(14), "neon");
    }

    public static DemoPlan quick() {
        return new DemoPlan(64, 4, 6, 24, 6, 20.0, 120, Duration.ofMinutes(8), "neon");
    }

    /**
     * {@code prism demo --marigold DIR}: the loop on an imported diffusers Marigold model. Fewer frames and steps than
     * the compact demo: a full-size UNet step costs seconds on a GPU and tens of seconds on a CPU.
     */
    public static DemoPlan marigold() {
        return new DemoPlan(96, 8, 8, 32, 8, 4.0, 200, Duration.ofMinutes(30), "neon");
    }

    /** {@code prism demo --marigold DIR --quick}: what the test suite runs on the tiny checkpoint. */
    public static DemoPlan marigoldQuick() {
        return new DemoPlan(64, 4, 4, 20, 6, 20.0, 60, Duration.ofMinutes(8), "neon");
    }

    public int totalFrames() {
        return productionFrames + pairFrames + afterFrames;
    }
}
