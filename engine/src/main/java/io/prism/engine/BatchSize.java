package io.prism.engine;

import ai.djl.Device;

/**
 * How many ensemble members (or frames) one forward pass may hold: as many as fit in the memory this process may use
 * for activations on the device ({@link Engines#availableMemory}: half of what is free), given an estimate of one
 * member's peak bytes, at least 1 and at most a per-device cap (beyond it a CPU gains nothing; a GPU is saturated).
 */
public final class BatchSize {
    private BatchSize() {}

    public static int members(double bytesPerMember, Device device) {
        long available = Engines.availableMemory(device);
        long fit = (long) (available / Math.max(1, bytesPerMember));
        return (int) Math.max(1, Math.min(device.isGpu() ? 64 : 16, fit));
    }
}
