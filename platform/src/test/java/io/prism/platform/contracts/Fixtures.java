package io.prism.platform.contracts;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** One valid instance of every contract, for round-trip tests. */
public final class Fixtures {
    private Fixtures() {}

    public static BlobRef blob(String hexDigit) {
        String sha = hexDigit.repeat(64);
        return new BlobRef(URI.create("blob:sha256:" + sha), sha, 1234, "image/x-exr", 256, 128, 4);
    }

    public static List<PrismEvent> allEvents() {
        UUID frame = UUID.randomUUID();
        return List.of(
                FrameSubmitted.of(frame, "job-1", "show", "sh010", "beauty", 1042, 1, blob("a"), "/farm/show/sh010/beauty/sh010.1042.exr", Map.of("renderer", "prism-sim")),
                FrameProcessed.of(frame, "job-1", "albedo", 3, blob("b"), blob("c"), null, Map.of("mean", 0.4), 812),
                FrameFailed.of(frame, "job-1", "mask", "unreadable", "truncated chunk table", 1, true),
                GroundTruthPairSubmitted.of(UUID.randomUUID(), frame, "job-1", "show", "sh010", 1042, "sunset", blob("a"), blob("d"), null, Map.of()),
                ModelPromoted.of("albedo", 2, blob("e"), 1, Map.of("psnr", 31.2), "gate passed"),
                ModelRolledBack.of("albedo", 2, 1, blob("f"), "artists reported banding"));
    }
}
