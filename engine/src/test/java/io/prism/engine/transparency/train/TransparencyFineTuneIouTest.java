package io.prism.engine.transparency.train;

import io.prism.engine.Engines;
import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.Sd3Reference;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.autoencoders.FittedTinyVae;
import io.prism.engine.image.ImageOps;
import io.prism.engine.tools.SimulatedPairs;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.TrainingPair;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A CPU fine-tune of the tiny SD3 transparency checkpoint raises the pipeline's mask IoU on held-out simulator scenes
 * above the untrained model's — measured through the real threshold path (rectified-flow Euler from noise → VAE decode
 * → channel mean → &gt; 0.5), with a VAE that can reconstruct masks.
 *
 * <p>The fixture's VAE has random weights and decodes even the truth's own latent to IoU 0.07-0.14, so IoU says nothing
 * on it ({@link TransparencyTrainerTest}). {@link FittedTinyVae} first gives the tiny VAE what every real SD3 VAE has —
 * it reconstructs images and masks — by a 60-step deterministic autoencoder fit on the training scenes' beauty and
 * masks only, preprocessed as {@link MaskLatentCache} encodes them; the test
 * checks that decode(encode(held-out mask)) then thresholds to IoU &gt; 0.8 (0.910 measured: the ceiling a perfect
 * transformer could reach). Then the transformer — the fixture's own, in 32 / out 16, rectified-flow variant — is
 * fine-tuned with {@link TransparencyTrainer} exactly as {@code prism train --task mask} runs it, and the held-out IoU
 * of its pipeline (4 Euler steps, one member, validation seed) before and after is compared; both use the same VAE.
 *
 * <p>Data: studio scenes rendered at 64 px and centre-cropped to 32 px (the scene generator puts glass near the centre;
 * at full 32 px frames glass covers 2-7 % of a frame, a handful of 4×4 transformer patches), 12 training scenes
 * (seeds 1000-1011) and 6 held-out scenes (9000-9005); the same crop for both, chosen without looking at masks.
 *
 * <p>Numbers (1 thread, deterministic for it; 70 s of CPU): untrained IoU 0.128, after 400 steps at lr 5e-3 0.230.
 * Measured while choosing the settings, with the same VAE: 400 steps at lr 2e-3 → 0.223, 800 at 2e-3 → 0.210, micro-batch
 * 8 → 0.222, 36 training scenes → 0.224, the one-step end-to-end transformer 0.105 → 0.258 — a rise of +0.08 to +0.10
 * every time; with a VAE fitted for 40 steps only (ceiling 0.874) 0.149 → 0.204. The assertion asks for +0.04, half the
 * smallest rise seen with this VAE. The model stays far below the VAE's ceiling: 129k parameters and 12 scenes learn
 * where glass tends to be and some of its look, not glass in general; the claim is the direction, not a level.
 */
class TransparencyFineTuneIouTest {
    static final int RESOLUTION = 32;

    @Test
    void fineTuningRaisesHeldOutMaskIouAboveTheUntrainedModel(@TempDir Path dir) throws Exception {
        Path tiny = Sd3Reference.tinyTransparency();                          // skips without the fixtures
        Engines.pytorch(1);
        List<TrainingPair> train = centreCrops(SimulatedPairs.render("mask", "studio", 1000, 12, 1, 2 * RESOLUTION, 4, 1));
        List<TrainingPair> holdout = centreCrops(SimulatedPairs.render("mask", "studio", 9000, 6, 1, 2 * RESOLUTION, 4, 1));

        FittedTinyVae.Fit fit = FittedTinyVae.derive(tiny, dir.resolve("base"), f -> normalised(train, f), f -> normalised(holdout, f),
                60, 5e-3, new FittedTinyVae.Probe("decode(encode(mask)) IoU", TransparencyFineTuneIouTest::maskIou), false);
        System.out.println(fit);
        assertThat(fit.probeAfter()).as("held-out masks through the fitted VAE's encode → decode → threshold").isGreaterThan(0.8);

        TransparencyTrainConfig cfg = TransparencyTrainConfig.defaults(fit.base().toString(), dir.resolve("run").toString())
                .withSteps(400).withBatch(4, 1).withLearningRate(5e-3, 5).withProcessingResolution(RESOLUTION).withThreads(1)
                .withCommand("test");
        TransparencyTrainer.Result r = new TransparencyTrainer(cfg, new PrintStream(new ByteArrayOutputStream())).train(
                PairDataset.of(train, "centre 32 px crops of " + SimulatedPairs.describe("studio", 1000, 12, 1, 2 * RESOLUTION, 4)), holdout);
        String numbers = String.format("held-out mask IoU %.3f -> %.3f (VAE ceiling %.3f); flow objective %.4f -> %.4f; mask-latent error %.4f -> %.4f",
                r.before().iou(), r.after().iou(), fit.probeAfter(), r.holdoutBefore(), r.holdoutAfter(), r.before().latentError(), r.after().latentError());
        System.out.println(numbers);
        assertThat(r.after().iou()).as(numbers).isGreaterThan(r.before().iou() + 0.04);
    }

    /**
     * Every pair's beauty, then its 3-channel mask, in [−1, 1] at the processing size, as {@link MaskLatentCache} encodes
     * them for the pipeline's VAE factor × the transformer's patch 2.
     */
    static List<FloatImage> normalised(List<TrainingPair> pairs, int vaeFactor) {
        return pairs.stream().flatMap(p -> Arrays.stream(MaskLatentCache.normalised(p, RESOLUTION, 2 * vaeFactor, InputEncoding.DEFAULT))).toList();
    }

    /**
     * Mean over pairs of IoU(channel mean of decode(encode(mask)) mapped to [0, 1] &gt; 0.5, truth &gt; 0.5): the masks
     * (odd rows of the batch) through the pipeline's own threshold path applied to the truth's latent — the ceiling a
     * perfect transformer could reach through this VAE.
     */
    static double maskIou(AutoencoderKL vae, NDArray x) {
        NDArray decoded = vae.decode(vae.encode(x).mean()).mul(0.5f).add(0.5f).clip(0f, 1f).mean(new int[] {1});
        int pairs = (int) x.getShape().get(0) / 2, n = (int) (x.getShape().get(2) * x.getShape().get(3));
        float[] prob = decoded.toFloatArray(), truth = x.get(":, 0").mul(0.5f).add(0.5f).toFloatArray();
        double sum = 0;
        for (int p = 0; p < pairs; p++) {
            int off = (2 * p + 1) * n;
            float[] pr = new float[n], tr = new float[n];
            for (int i = 0; i < n; i++) {
                pr[i] = prob[off + i] > 0.5f ? 1f : 0f;
                tr[i] = truth[off + i];
            }
            sum += TransparencyTrainer.iou(pr, tr);
        }
        return sum / pairs;
    }

    /** The central size × size window of each pair (beauty and mask alike). */
    static List<TrainingPair> centreCrops(List<TrainingPair> pairs) {
        return pairs.stream().map(p -> {
            int x0 = (p.beauty().width() - RESOLUTION) / 2, y0 = (p.beauty().height() - RESOLUTION) / 2;
            return new TrainingPair(p.id() + "-centre", ImageOps.crop(p.beauty(), x0, y0, RESOLUTION, RESOLUTION),
                    ImageOps.crop(p.target(), x0, y0, RESOLUTION, RESOLUTION));
        }).toList();
    }
}
