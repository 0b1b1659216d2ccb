package io.prism.trainer;

import io.prism.vision.testing.TestExrs;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.TrainConfig;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.contracts.BlobRef;
import io.prism.platform.contracts.EventCodec;
import io.prism.platform.contracts.GroundTruthPairSubmitted;
import io.prism.platform.kafka.KafkaSettings;
import io.prism.platform.topics.Topics;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.Style;
import io.prism.vision.image.FloatImage;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Test material made with the real simulator and engine: rendered frames, EXR blobs, pair events, tiny models. */
final class Fixtures {
    private Fixtures() {}

    /** Frames of a style, deterministic (scene seed, frame 1). */
    static List<RenderedFrame> render(Style style, long firstSeed, int count, int size, int samples) {
        Renderer r = new Renderer(3);
        List<RenderedFrame> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            out.add(r.render(SceneGenerator.generate(style, firstSeed + i), 1, size, size, samples, 2));
        }
        return out;
    }

    /**
     * A tiny albedo model trained from fresh weights with the engine on studio frames: the "active model" a fine-tune
     * starts from. 32 px processing resolution, UNet widths 8/16.
     */
    static Path tinyAlbedoModel(Path dir, List<RenderedFrame> frames, int steps) throws Exception {
        List<TrainingPair> pairs = frames.stream().map(f -> new TrainingPair("studio", f.beauty(), f.albedo())).toList();
        TrainConfig cfg = TrainConfig.defaults("albedo", dir.toString()).withName("albedo-tiny").withSteps(steps).withBatch(4, 1)
                .withLearningRate(3e-3).withWarmupSteps(10).withMinLrFactor(0.1).withCropSize(0).withEvery(0, 0, 0)
                .withArchitecture(2, List.of(8, 16), 4).withProcessingResolution(32).withResume(false)
                .withCommand("Fixtures.tinyAlbedoModel");
        Trainer.Result r = new Trainer(cfg, new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))
                .train(PairDataset.of(pairs, "studio frames"), List.of());
        return r.modelDir();
    }

    static BlobRef put(BlobStore blobs, FloatImage img) throws Exception {
        return blobs.put(TestExrs.encode(img), "image/x-exr").withImage(img.width(), img.height(), img.channelCount());
    }

    /** A pair event for frame {@code i} of a show; the id is derived from show and frame so redelivery is recognisable. */
    static GroundTruthPairSubmitted pair(String show, String style, int i, BlobRef beauty, BlobRef albedo, BlobRef mask) {
        UUID id = UUID.nameUUIDFromBytes((show + "/" + i).getBytes(StandardCharsets.UTF_8));
        return GroundTruthPairSubmitted.of(id, null, "job-" + show, show, "sh010", i, style, beauty, albedo, mask, Map.of());
    }

    /** Stores the frames' beauty and albedo as EXR blobs and makes their pair events (targets shifted by {@code shuffle}). */
    static List<GroundTruthPairSubmitted> pairs(BlobStore blobs, String show, String style, List<RenderedFrame> frames, int shuffle) throws Exception {
        List<GroundTruthPairSubmitted> out = new ArrayList<>();
        for (int i = 0; i < frames.size(); i++) {
            RenderedFrame f = frames.get(i);
            RenderedFrame t = frames.get((i + shuffle) % frames.size());
            out.add(pair(show, style, i, put(blobs, f.beauty()), put(blobs, t.albedo()), null));
        }
        return out;
    }

    static void publish(String bootstrap, List<GroundTruthPairSubmitted> events) throws Exception {
        try (KafkaProducer<String, byte[]> p = new KafkaProducer<>(KafkaSettings.toProperties(KafkaSettings.producer(bootstrap, "test-pairs")))) {
            for (GroundTruthPairSubmitted e : events) {
                p.send(new ProducerRecord<>(Topics.PAIRS.name(), e.key(), EventCodec.encode(e))).get();
            }
        }
    }
}
