package io.prism.trainer.dataset;

import io.prism.platform.blob.Sha256;
import java.nio.ByteBuffer;
import java.util.UUID;

/**
 * The deterministic train/holdout split. A pair's bucket (0..9999) is derived from the SHA-256 of its id alone, so
 * it never changes when more pairs arrive or the service restarts, and a pair is holdout iff
 * {@code bucket < fraction * 10000}: raising the fraction only moves pairs from train to holdout, never back.
 */
public final class SplitBucket {
    public static final int BUCKETS = 10_000;

    private SplitBucket() {}

    public static int of(UUID pairId) {
        ByteBuffer b = ByteBuffer.allocate(16).putLong(pairId.getMostSignificantBits()).putLong(pairId.getLeastSignificantBits());
        byte[] d = Sha256.newDigest().digest(b.array());
        long v = ByteBuffer.wrap(d, 0, 8).getLong() & Long.MAX_VALUE;
        return (int) (v % BUCKETS);
    }

    /** Buckets below this threshold are holdout. */
    public static int threshold(double holdoutFraction) {
        return (int) Math.round(holdoutFraction * BUCKETS);
    }

    public static boolean isHoldout(int bucket, double holdoutFraction) {
        return bucket < threshold(holdoutFraction);
    }
}
