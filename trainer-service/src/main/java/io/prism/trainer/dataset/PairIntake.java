package io.prism.trainer.dataset;

import io.prism.platform.blob.BlobCorruptedException;
import io.prism.platform.blob.BlobNotFoundException;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.trainer.db.TrainingPairEntity;
import io.prism.trainer.db.TrainingPairRepository;
import io.prism.vision.ImageFormatException;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import java.io.IOException;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a {@link GroundTruthPairSubmitted} into a {@code training_pairs} row. Every referenced blob is checked on
 * arrival — present, the announced size, the announced SHA-256 (verified while reading), decodable, the announced
 * shape, finite pixels, beauty and targets of one size — and a pair failing any check is recorded as
 * {@code rejected} with the reason, so it is visible and never used for training. Idempotent: a redelivered pair id
 * writes nothing new. Failures that may pass on retry (the blob store unreachable) throw {@link TransientFailure}.
 */
public final class PairIntake {
    private static final Logger LOG = LoggerFactory.getLogger(PairIntake.class);

    /** Result of one message. */
    public record Outcome(UUID pairId, boolean accepted, String reason, boolean duplicate) {}

    /** A failure worth retrying; the message must not be committed. */
    public static final class TransientFailure extends Exception {
        public TransientFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** A pair that fails a check: the reason goes into the row. */
    private static final class Refused extends Exception {
        Refused(String reason) {
            super(reason);
        }
    }

    private final TrainingPairRepository pairs;
    private final BlobStore blobs;

    public PairIntake(TrainingPairRepository pairs, BlobStore blobs) {
        this.pairs = pairs;
        this.blobs = blobs;
    }

    public Outcome accept(GroundTruthPairSubmitted e) throws TransientFailure {
        Optional<TrainingPairEntity> known = pairs.findById(e.pairId());
        if (known.isPresent()) {
            return new Outcome(e.pairId(), "accepted".equals(known.get().status()), known.get().rejectReason(), true);
        }
        String reason = null;
        Integer width = null;
        Integer height = null;
        try {
            FloatImage beauty = PairImages.beauty(load("beauty", e.beauty()));
            width = beauty.width();
            height = beauty.height();
            if (e.albedo() != null) sameSize("albedo", PairImages.albedo(load("albedo", e.albedo())), beauty);
            if (e.mask() != null) sameSize("mask", PairImages.mask(load("mask", e.mask())), beauty);
        } catch (Refused r) {
            reason = r.getMessage();
        } catch (IllegalArgumentException bad) {
            reason = bad.getMessage();
        }
        String status = reason == null ? "accepted" : "rejected";
        TrainingPairEntity row = new TrainingPairEntity(e.pairId(), e.frameId(), e.jobId(), e.show(), e.shot(), e.frameNumber(),
                e.style(), e.beauty().sha256(), e.beauty().size(),
                e.albedo() == null ? null : e.albedo().sha256(), e.albedo() == null ? null : e.albedo().size(),
                e.mask() == null ? null : e.mask().sha256(), e.mask() == null ? null : e.mask().size(),
                width, height, SplitBucket.of(e.pairId()), status, reason, Instant.now());
        boolean inserted = pairs.insertIfAbsent(row);
        if (reason == null) {
            LOG.info("event=pair-accepted pair={} show={} style={} size={}x{}", e.pairId(), e.show(), e.style(), width, height);
        } else {
            LOG.warn("event=pair-rejected pair={} show={} reason=\"{}\"", e.pairId(), e.show(), reason);
        }
        return new Outcome(e.pairId(), reason == null, reason, !inserted);
    }

    private FloatImage load(String what, BlobRef ref) throws Refused, TransientFailure {
        Optional<BlobRef> stored;
        try {
            stored = blobs.find(ref.sha256());
        } catch (IOException io) {
            throw new TransientFailure("blob store unavailable looking up " + what + " " + ref.sha256() + ": " + io.getMessage(), io);
        }
        if (stored.isEmpty()) {
            throw new Refused(what + " blob " + ref.sha256() + " is not in the blob store");
        }
        if (stored.get().size() != ref.size()) {
            throw new Refused(what + " size mismatch: the message says " + ref.size() + " bytes, the stored blob has " + stored.get().size());
        }
        byte[] bytes;
        try {
            bytes = blobs.read(ref);
        } catch (BlobCorruptedException | BlobNotFoundException bad) {
            throw new Refused(what + " checksum mismatch: " + bad.getMessage());
        } catch (IOException io) {
            throw new TransientFailure("cannot read " + what + " " + ref.sha256() + ": " + io.getMessage(), io);
        }
        FloatImage img;
        try {
            img = ImageFiles.read(bytes, what + " " + ref.sha256());
        } catch (ImageFormatException | RuntimeException bad) {
            throw new Refused(what + " is unreadable: " + bad.getMessage());
        }
        if (ref.width() != null && ref.height() != null && (img.width() != ref.width() || img.height() != ref.height())) {
            throw new Refused(what + " is " + img.width() + "x" + img.height() + " but the message says " + ref.width() + "x" + ref.height());
        }
        if (ref.channels() != null && img.channelCount() != ref.channels()) {
            throw new Refused(what + " has " + img.channelCount() + " channels but the message says " + ref.channels());
        }
        return img;
    }

    private static void sameSize(String what, FloatImage target, FloatImage beauty) throws Refused {
        if (target.width() != beauty.width() || target.height() != beauty.height()) {
            throw new Refused(what + " is " + target.width() + "x" + target.height() + " but beauty is " + beauty.width() + "x" + beauty.height());
        }
    }
}
