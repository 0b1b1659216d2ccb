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
 * @param trainerLearningRate peak learning rate of the fine-tune, or 0 for the trainer's default by model kind
 *                         ({@code PRISM_TRAINER_LEARNING_RATE} when set, else 2e-4 compact, 3e-5 diffusers)
 * @param timeout          give up waiting for the loop after this long
 */
public record DemoPlan(int size, int samples, int productionFrames, int pairFrames, int afterFrames, double fps,
                       int trainerSteps, double trainerLearningRate, Duration timeout, String newStyle) {

    public static DemoPlan standard() {
        return new DemoPlan(96, 8, 24, 48, 16, 4.0, 300, 0, Duration.ofMinutes(14), "neon");
    }

    public static DemoPlan quick() {
        return new DemoPlan(64, 4, 6, 24, 6, 20.0, 120, 0, Duration.ofMinutes(8), "neon");
    }

    /**
     * {@code prism demo --marigold DIR}: the loop on an imported diffusers Marigold model. Fewer frames and steps than
     * the compact demo: a full-size UNet step costs seconds on a GPU and tens of seconds on a CPU.
     */
    public static DemoPlan marigold() {
        return new DemoPlan(96, 8, 8, 32, 8, 4.0, 200, 0, Duration.ofMinutes(30), "neon");
    }

    /**
     * {@code prism demo --marigold DIR --quick}: what the test suite runs on the tiny checkpoint (2.2 M UNet parameters,
     * random initial weights). Its fine-tune takes a peak rate of LR_TINY: Marigold's 3e-5 is the rate for a pretrained
     * 865 M-parameter UNet over thousands of steps at effective batch 32, and moves the tiny UNet too little in 60 steps
     * for any gate to see (measured in the README); the engine's own tiny-checkpoint tests train it at this rate too.
     */
    public static DemoPlan marigoldQuick() {
        return new DemoPlan(64, 4, 4, 20, 6, 20.0, 60, LR_TINY, Duration.ofMinutes(8), "neon");
    }

    /** The tiny checkpoint's fine-tuning rate (see {@link #marigoldQuick()}). */
    public static final double LR_TINY = 1e-3;

    public int totalFrames() {
        return productionFrames + pairFrames + afterFrames;
    }
}
