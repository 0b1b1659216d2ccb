package io.prism.ingest.submit;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.prism.ingest.IngestMetrics;
import io.prism.ingest.Refusal;
import io.prism.ingest.db.IngestRepository;
import io.prism.ingest.submit.Receipts.FrameReceipt;
import io.prism.ingest.submit.Receipts.PairReceipt;
import io.prism.ingest.validate.ImageInspector;
import io.prism.ingest.validate.InspectedImage;
import io.prism.ingest.validate.Layers;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.FrameStatus;
import io.prism.vision.exr.BeautyLayer;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.db.Database;
import io.prism.platform.db.SqlStates;
import io.prism.platform.db.FrameEntity;
import io.prism.ingest.db.FrameRepository;
import io.prism.ingest.db.JobRepository;
import io.prism.platform.outbox.Outbox;
import io.prism.platform.db.OutboxRepository;
import io.prism.platform.topics.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one path by which anything enters Prism, whatever the door (upload, path registration, watch folder,
 * {@code prism publish}): validate the image, store it in the blob store, then in ONE database transaction write the
 * job, the frame row (and pair row) and the event to the outbox. When this returns, the frame is durable and its
 * FrameSubmitted cannot be lost: the outbox relay publishes it whenever Kafka is reachable.
 *
 * <p>Idempotent: frame ids are derived from job + layer + frame number + SHA-256, and a frame already recorded with
 * these returns its id without a new row or event. New bytes for the same job/layer/frame are the next
 * {@code frame_version}; earlier versions are marked superseded. Concurrent submissions of the same frame meet at
 * the unique constraints; the loser's transaction is retried and then finds the winner's row.
 *
 * <p>Blocking (JDBC, file IO, EXR decoding): call it from a worker thread.
 */
public final class Submissions {
    private static final Logger LOG = LoggerFactory.getLogger(Submissions.class);
    public static final String EXR = "image/x-exr";

    private final Database db;
    private final BlobStore blobs;
    private final ImageInspector inspector;
    private final IngestMetrics metrics;
    private final List<String> albedoLayers;
    private final List<String> maskLayers;
    private final FrameRepository frames;
    private final JobRepository jobs;
    private final IngestRepository ingest;
    private final Outbox outbox;

    public Submissions(Database db, BlobStore blobs, ImageInspector inspector, IngestMetrics metrics,
                       List<String> albedoLayers, List<String> maskLayers) {
        this.db = db;
        this.blobs = blobs;
        this.inspector = inspector;
        this.metrics = metrics;
        this.albedoLayers = List.copyOf(albedoLayers);
        this.maskLayers = List.copyOf(maskLayers);
        this.frames = db.repository(FrameRepository.class);
        this.jobs = db.repository(JobRepository.class);
        this.ingest = db.repository(IngestRepository.class);
        this.outbox = new Outbox(db.repository(OutboxRepository.class));
    }

    /**
     * Submits a beauty frame from a local file (an upload spooled to disk, or a registered path).
     *
     * @param name       how messages refer to the file
     * @param sourcePath where the farm wrote it, if known
     * @param inTx       runs inside the committing transaction (the watch folder records its state there)
     */
    public FrameReceipt submitFrame(FrameRequest r, Path file, String name, String sourcePath, Consumer<FrameReceipt> inTx) {
        long t0 = System.nanoTime();
        InspectedImage img = inspector.inspectBeauty(file, name, r.attributes().get(BeautyLayer.ATTRIBUTE));
        return submitInspected(r, file, img, sourcePath, inTx, System.nanoTime() - t0);
    }

    private FrameReceipt submitInspected(FrameRequest r, Path file, InspectedImage img, String sourcePath,
                                         Consumer<FrameReceipt> inTx, long validateNanos) {
        long t0 = System.nanoTime();
        // a beauty picked out of a part/layer or converted (YC, other primaries) is stored as a plain RGB(A) EXR
        BlobRef ref = img.beauty().asStored() ? put(file, img) : put(Layers.beauty(img));
        long t1 = System.nanoTime();
        FrameReceipt receipt = transact(() -> {
            FrameReceipt fr = recordFrame(r, ref, sourcePath);
            if (inTx != null) inTx.accept(fr);
            return fr;
        });
        metrics.accepted("frame", r.via(), receipt.duplicate(), ref.size());
        logAccepted(r, receipt, validateNanos, t1 - t0, System.nanoTime() - t1);
        return receipt;
    }

    public FrameReceipt submitFrame(FrameRequest r, Path file, String name, String sourcePath) {
        return submitFrame(r, file, name, sourcePath, null);
    }

    /** Where a pair's images come from: separate files and/or layers of the beauty EXR. */
    public record PairSources(Path beauty, String beautyName, Path albedo, String albedoName, Path mask,
                              String maskName, String albedoLayer, String maskLayer) {
        public static PairSources layersOf(Path beauty, String name) {
            return new PairSources(beauty, name, null, null, null, null, null, null);
        }
    }

    /**
     * Submits a ground-truth pair: the beauty (also submitted as a frame when {@code submitFrame}) with an albedo
     * and/or a mask, each taken from its own file or from a layer of the beauty EXR and stored as a plain EXR.
     *
     * @param requireTarget when false and neither albedo nor mask is found, only the frame is submitted (the watch
     *                      folder's case); when true that is a refusal
     */
    public PairReceipt submitPair(PairRequest r, PairSources s, boolean requireTarget, Consumer<PairReceipt> inTx) {
        long t0 = System.nanoTime();
        InspectedImage beauty = inspector.inspectBeauty(s.beauty(), s.beautyName(),
                r.frame().attributes().get(BeautyLayer.ATTRIBUTE));
        Layers.Extracted albedo = null;
        Layers.Extracted mask = null;
        if (s.albedo() != null) {
            InspectedImage a = inspector.inspect(s.albedo(), s.albedoName());
            albedo = Layers.albedo(a, s.albedoLayer() != null ? s.albedoLayer() : Layers.findLayer(a, albedoLayers).orElse(null));
        } else {
            Optional<String> layer = s.albedoLayer() != null ? requireLayer(beauty, s.albedoLayer()) : Layers.findLayer(beauty, albedoLayers);
            if (layer.isPresent()) albedo = Layers.albedo(beauty, layer.get());
        }
        if (s.mask() != null) {
            InspectedImage m = inspector.inspect(s.mask(), s.maskName());
            mask = Layers.mask(m, s.maskLayer() != null ? s.maskLayer() : Layers.findLayer(m, maskLayers).orElse(null));
        } else {
            Optional<String> layer = s.maskLayer() != null ? requireLayer(beauty, s.maskLayer()) : Layers.findLayer(beauty, maskLayers);
            if (layer.isPresent()) mask = Layers.mask(beauty, layer.get());
        }
        if (albedo == null && mask == null) {
            if (requireTarget) {
                throw new Refusal(422, "no_target", "a pair needs an albedo or a mask: none was given as a file and "
                        + s.beautyName() + " has no layer named " + albedoLayers + " or " + maskLayers
                        + " (channels " + beauty.channels() + ")");
            }
            FrameReceipt fr = submitInspected(r.frame(), s.beauty(), beauty, r.sourcePath(), inTx == null ? null
                    : f -> inTx.accept(new PairReceipt(null, false, f, null, null, null)), System.nanoTime() - t0);
            return new PairReceipt(null, false, fr, null, null, null);
        }
        for (Layers.Extracted t : new Layers.Extracted[] {albedo, mask}) {
            if (t != null && (t.width() != beauty.width() || t.height() != beauty.height())) {
                throw new Refusal(422, "size_mismatch", "the " + t.kind().name().toLowerCase() + " is " + t.width() + "x"
                        + t.height() + " but the beauty is " + beauty.width() + "x" + beauty.height());
            }
        }
        long t1 = System.nanoTime();
        BlobRef frameSource = beauty.beauty().asStored() ? put(s.beauty(), beauty) : put(Layers.beauty(beauty));
        BlobRef beautyRef = Layers.beautyIsWholeFile(beauty) || !beauty.beauty().asStored() ? frameSource
                : put(Layers.beauty(beauty));
        BlobRef albedoRef = albedo == null ? null : put(albedo);
        BlobRef maskRef = mask == null ? null : put(mask);
        FrameRequest fr = r.frame();
        UUID pairId = pairId(fr.jobId(), fr.shot(), fr.frameNumber(), beautyRef, albedoRef, maskRef);
        long t2 = System.nanoTime();
        PairReceipt receipt = transact(() -> {
            FrameReceipt frame = r.submitFrame() ? recordFrame(fr, frameSource, r.sourcePath()) : null;
            UUID frameId = frame == null ? null : frame.frameId();
            int inserted = ingest.insertPairIfAbsent(pairId, frameId, fr.jobId(), fr.show(), fr.shot(), fr.frameNumber(),
                    beautyRef.sha256(), albedoRef == null ? null : albedoRef.sha256(),
                    maskRef == null ? null : maskRef.sha256(), fr.via());
            if (inserted == 1) {
                outbox.enqueue(Topics.PAIRS, GroundTruthPairSubmitted.of(pairId, frameId, fr.jobId(), fr.show(),
                        fr.shot(), fr.frameNumber(), r.style(), beautyRef, albedoRef, maskRef, fr.attributes()));
            }
            PairReceipt pr = new PairReceipt(pairId, inserted == 0, frame, beautyRef, albedoRef, maskRef);
            if (inTx != null) inTx.accept(pr);
            return pr;
        });
        if (receipt.frame() != null) {
            metrics.accepted("frame", fr.via(), receipt.frame().duplicate(), frameSource.size());
            logAccepted(fr, receipt.frame(), t1 - t0, t2 - t1, System.nanoTime() - t2);
        }
        metrics.accepted("pair", fr.via(), receipt.duplicate(), 0);
        LOG.info("event=pair-accepted via={} pair={} job={} shot={} frame={} albedo={} mask={} duplicate={}", fr.via(),
                pairId, fr.jobId(), fr.shot(), fr.frameNumber(), albedoRef != null, maskRef != null, receipt.duplicate());
        return receipt;
    }

    private static Optional<String> requireLayer(InspectedImage img, String layer) {
        if (Layers.findLayer(img, List.of(layer)).isEmpty()) {
            throw new Refusal(422, "channel_layout", "layer '" + layer + "' is not in " + img.name() + " (channels "
                    + img.channels() + ")");
        }
        return Optional.of(layer);
    }

    /** Inside a transaction: the job, the frame row, superseding, the outbox row. */
    private FrameReceipt recordFrame(FrameRequest r, BlobRef ref, String sourcePath) {
        jobs.insertIfAbsent(r.jobId(), r.show(), r.shot(), "{}");
        // The newest submission wins: the newest version's bytes again are a duplicate; any other bytes — even those
        // of an older version (A → B → A) — are a new version.
        Optional<FrameEntity> newest = frames.findNewestVersion(r.jobId(), r.layer(), r.frameNumber());
        if (newest.isPresent() && newest.get().sha256().trim().equals(ref.sha256())) {
            FrameEntity e = newest.get();
            return new FrameReceipt(e.id(), e.jobId(), e.frameNumber(), e.frameVersion(), true, ref, 0);
        }
        int version = newest.map(e -> e.frameVersion() + 1).orElse(1);
        UUID id = frameId(r.jobId(), r.layer(), r.frameNumber(), ref.sha256(), version);
        Instant now = Instant.now();
        frames.save(new FrameEntity(id, r.jobId(), r.show(), r.shot(), r.layer(), r.frameNumber(), version,
                ref.uri().toString(), sourcePath, ref.sha256(), ref.size(), ref.mediaType(), ref.width(), ref.height(),
                ref.channels(), FrameStatus.SUBMITTED.value(), null, json(r.attributes()), now, now));
        int superseded = version > 1 ? ingest.supersedeEarlierVersions(r.jobId(), r.layer(), r.frameNumber(), version,
                "re-rendered as version " + version) : 0;
        outbox.enqueue(Topics.FRAMES, FrameSubmitted.of(id, r.jobId(), r.show(), r.shot(), r.layer(), r.frameNumber(),
                version, ref, sourcePath, r.attributes()));
        return new FrameReceipt(id, r.jobId(), r.frameNumber(), version, false, ref, superseded);
    }

    /** Runs the work in one transaction, retrying when a concurrent submission of the same frame won a race. */
    private <T> T transact(java.util.function.Supplier<T> work) {
        for (int attempt = 1; ; attempt++) {
            try {
                return db.inTransaction(conn -> work.get());
            } catch (RuntimeException e) {
                if (attempt < 5 && SqlStates.is(e, SqlStates.UNIQUE_VIOLATION)) {
                    LOG.debug("event=submission-race attempt={} retrying", attempt);
                    continue;
                }
                throw e;
            }
        }
    }

    private BlobRef put(Path file, InspectedImage img) {
        try {
            return blobs.put(file, EXR).withImage(img.width(), img.height(), img.channels().size());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store " + img.name() + " in the blob store: " + e.getMessage(), e);
        }
    }

    private BlobRef put(Layers.Extracted x) {
        try {
            return blobs.put(x.exr(), EXR).withImage(x.width(), x.height(), x.channels());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot store an extracted " + x.kind() + " layer: " + e.getMessage(), e);
        }
    }

    /** One line per accepted frame, with where the time went (decode/validate, blob store, database commit). */
    private static void logAccepted(FrameRequest r, FrameReceipt fr, long validateNanos, long storeNanos, long commitNanos) {
        LOG.info("event=frame-accepted via={} frame={} job={} layer={} number={} version={} sha256={} bytes={} duplicate={} "
                        + "validateMs={} storeMs={} commitMs={}",
                r.via(), fr.frameId(), r.jobId(), r.layer(), r.frameNumber(), fr.frameVersion(), fr.source().sha256(),
                fr.source().size(), fr.duplicate(), validateNanos / 1_000_000, storeNanos / 1_000_000, commitNanos / 1_000_000);
    }

    /**
     * Frame id: a name-based UUID of job, layer, frame number, checksum and version (same inputs, same id, so
     * concurrent retries of one submission meet at the primary key).
     */
    public static UUID frameId(String jobId, String layer, int frameNumber, String sha256, int version) {
        return nameUuid("frame", jobId, layer, Integer.toString(frameNumber), sha256, Integer.toString(version));
    }

    /** Pair id: a name-based UUID of job, shot, frame number and the checksums of the pair's images. */
    public static UUID pairId(String jobId, String shot, int frameNumber, BlobRef beauty, BlobRef albedo, BlobRef mask) {
        return nameUuid("pair", jobId, shot, Integer.toString(frameNumber), beauty.sha256(),
                albedo == null ? "-" : albedo.sha256(), mask == null ? "-" : mask.sha256());
    }

    private static UUID nameUuid(String... parts) {
        return UUID.nameUUIDFromBytes(String.join("\u0000", parts).getBytes(StandardCharsets.UTF_8));
    }

    private static String json(Map<String, String> m) {
        try {
            return EventCodec.mapper().writeValueAsString(m);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
