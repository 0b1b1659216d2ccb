package io.prism.platform.topics;

import java.util.List;
import java.util.Map;

/**
 * The topic catalogue. Partition counts bound consumer parallelism: a worker group never usefully has more
 * members than {@link #FRAMES} has partitions (deploy's KEDA scaler caps replicas at it).
 *
 * <p>{@link #FRAMES} has {@value #FRAME_PARTITIONS} partitions: room for a fleet of that many workers, and since
 * frames are keyed by frame (not job), one job spreads over all of them. To grow beyond, raise
 * {@code FRAME_PARTITIONS} together with {@code deploy/k8s/base/kafka-topics.yaml} (deploy's test checks they agree)
 * and add partitions to the running topic ({@code kafka-topics.sh --alter --partitions N}, or the KafkaTopic's
 * {@code spec.partitions}); Kafka can add partitions but never remove them. Frames queued during the change may be
 * read out of version order, which is harmless: a superseded version is never marked processed (conditional updates).
 */
public final class Topics {
    private Topics() {}

    private static final String WEEK_MS = String.valueOf(7L * 24 * 3600 * 1000);

    /** Partitions of {@link #FRAMES}: the most workers one consumer group can keep busy. */
    public static final int FRAME_PARTITIONS = 32;

    /** FrameSubmitted, keyed by frame ({@code job/layer/frame}, {@code FrameSubmitted.partitionKey}). */
    public static final TopicSpec FRAMES = new TopicSpec("prism.frames.v1", FRAME_PARTITIONS, (short) 1,
            Map.of("retention.ms", WEEK_MS), "frame");
    /** FrameProcessed and FrameFailed, keyed by job id. */
    public static final TopicSpec RESULTS = new TopicSpec("prism.results.v1", 12, (short) 1,
            Map.of("retention.ms", WEEK_MS), "jobId");
    /** GroundTruthPairSubmitted, keyed by show. */
    public static final TopicSpec PAIRS = new TopicSpec("prism.pairs.v1", 6, (short) 1,
            Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000)), "show");
    /** ModelPromoted and ModelRolledBack, keyed by task; compacted so the newest record per task is the state. */
    public static final TopicSpec MODELS = new TopicSpec("prism.models.v1", 1, (short) 1,
            Map.of("cleanup.policy", "compact", "min.compaction.lag.ms", "60000"), "task");
    /** FrameSubmitted that could not be processed, with the reason in headers; keyed as on {@link #FRAMES}. */
    public static final TopicSpec FRAMES_DLQ = new TopicSpec("prism.frames.dlq.v1", 3, (short) 1,
            Map.of("retention.ms", String.valueOf(30L * 24 * 3600 * 1000)), "frame");

    public static List<TopicSpec> all() {
        return List.of(FRAMES, RESULTS, PAIRS, MODELS, FRAMES_DLQ);
    }
}
