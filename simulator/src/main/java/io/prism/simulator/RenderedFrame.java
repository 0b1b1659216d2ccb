package io.prism.simulator;

import io.prism.vision.image.FloatImage;

import java.time.Duration;
import java.util.List;

/**
 * One rendered frame: a single multi-layer image with the channels of {@link Renderer#CHANNELS}.
 * The accessors return views that share the planes (no copies) under plain channel names.
 */
public record RenderedFrame(int frame, FloatImage image, Duration renderTime) {

    public int width() { return image.width(); }
    public int height() { return image.height(); }

    /** Scene-linear beauty, channels R, G, B. */
    public FloatImage beauty() { return image.select(List.of("R", "G", "B")); }

    /** Beauty with alpha, channels R, G, B, A. */
    public FloatImage beautyRgba() { return image.select(List.of("R", "G", "B", "A")); }

    /** Albedo (material colour), channels R, G, B. */
    public FloatImage albedo() {
        return image.select(List.of("albedo.R", "albedo.G", "albedo.B")).rename(List.of("R", "G", "B"));
    }

    /** Transparency mask (glass coverage), channel Y. */
    public FloatImage mask() { return image.select(List.of("mask.Y")).rename(List.of("Y")); }

    /** World-space unit normals facing the camera, channels X, Y, Z. */
    public FloatImage normals() {
        return image.select(List.of("N.X", "N.Y", "N.Z")).rename(List.of("X", "Y", "Z"));
    }

    /** Camera-space depth along the view axis, channel Z (+infinity where the sky is seen). */
    public FloatImage depth() { return image.select(List.of("Z")); }
}
