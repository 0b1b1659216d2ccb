package io.prism.trainer.run;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.Task;
import io.prism.trainer.dataset.PairImages;
import io.prism.trainer.db.TrainingPairEntity;
import io.prism.vision.image.FloatImage;
import io.prism.vision.image.ImageFiles;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** Reads a run's snapshot pairs from the blob store (checksums verified again on read) into frames. */
public final class PairLoader {
    private final BlobStore blobs;

    public PairLoader(BlobStore blobs) {
        this.blobs = blobs;
    }

    public List<LabeledFrame> load(String task, List<TrainingPairEntity> pairs) throws IOException {
        List<LabeledFrame> out = new ArrayList<>(pairs.size());
        for (TrainingPairEntity p : pairs) {
            if (!"accepted".equals(p.status())) {
                throw new IllegalStateException("pair " + p.id() + " is " + p.status() + " and must never be trained on");
            }
            FloatImage beauty = PairImages.beauty(read(p.beautySha256(), p.beautySize(), "beauty of " + p.id()));
            FloatImage target = switch (task) {
                case Task.ALBEDO -> PairImages.albedo(read(p.albedoSha256(), p.albedoSize(), "albedo of " + p.id()));
                case Task.MASK -> PairImages.mask(read(p.maskSha256(), p.maskSize(), "mask of " + p.id()));
                default -> throw new IllegalArgumentException("unknown task " + task);
            };
            out.add(new LabeledFrame(p.id().toString(), beauty, target));
        }
        return out;
    }

    private FloatImage read(String sha, Long size, String what) throws IOException {
        if (sha == null || size == null) {
            throw new IllegalStateException(what + " has no target for this task");
        }
        BlobRef ref = new BlobRef(BlobStore.uriOf(sha), sha, size, null, null, null, null);
        return ImageFiles.read(blobs.read(ref), what);
    }
}
