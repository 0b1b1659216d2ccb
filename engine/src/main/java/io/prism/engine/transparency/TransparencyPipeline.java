package io.prism.engine.transparency;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.SeededNoise;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.models.autoencoders.AutoencoderKL;
import io.prism.engine.diffusers.models.autoencoders.DiagonalGaussian;
import io.prism.engine.diffusers.models.transformers.SD3Transformer2DModel;
import io.prism.engine.schedule.FlowMatchEulerDiscreteScheduler;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * The SD3.5 transparency-segmentation pipeline of github.com/xycoord/Transparency-Segmentation, as its
 * {@code prediction_pipeline.py} runs it (see shared/testdata/sd3-reference/README.md), on an image tensor that is
 * already at the processing size (sides multiples of the VAE factor × the patch size).
 *
 * <p>Diffusion variant (branch diffusion-ft, transformer in_channels = 2 × latent channels): image in [0, 1] → 2x − 1 →
 * VAE posterior → image latent (z − shift)·scale; per ensemble member, noise → for each timestep of the flow-match
 * schedule: transformer([image latent ‖ noisy mask latent]) = velocity → Euler step; decode (latent/scale + shift) →
 * (x/2 + 0.5) clamped to [0, 1] → mean over the 3 channels; then mean over members → mask = mean &gt; 0.5 (strict), the
 * members' standard deviation as the uncertainty. End-to-end variant (branch main, in_channels = latent channels): one
 * forward pass on the image latent alone at t = 1000, its output is the mask latent; decoded and thresholded alike.
 *
 * <p>The image latent: the repository <em>samples</em> the posterior (mean + std·ε), so its output is random even for
 * fixed initial noise; {@link Posterior#MEAN} (the default here) uses the posterior mean and is deterministic,
 * {@link Posterior#SAMPLE} reproduces the repository with a given or seeded ε. On the tiny reference model the two
 * differ by up to 0.06 in the prediction.
 */
public final class TransparencyPipeline {
    /** t for the one-step end-to-end model (the successor's trainer and pipeline fix it at 1000). */
    public static final float END_TO_END_TIMESTEP = 1000f;
    public static final float THRESHOLD = 0.5f;

    /** How the image latent is taken from the VAE posterior. */
    public enum Posterior { MEAN, SAMPLE }

    private final SD3Transformer2DModel transformer;
    private final AutoencoderKL vae;
    private final FlowMatchEulerDiscreteScheduler scheduler;   // null for the end-to-end model
    private final NDArray promptEmbeds;                        // (1, L, joint_attention_dim)
    private final NDArray pooledPromptEmbeds;                  // (1, pooled_projection_dim)
    private final boolean endToEnd;
    private final int latentChannels;

    /**
     * @param scheduler          the flow-match scheduler (diffusion variant); null for the end-to-end model
     * @param promptEmbeds       the empty-prompt conditioning (1, L, joint_attention_dim), e.g. [1, 154, 4096]
     * @param pooledPromptEmbeds (1, pooled_projection_dim)
     */
    public TransparencyPipeline(SD3Transformer2DModel transformer, AutoencoderKL vae, FlowMatchEulerDiscreteScheduler scheduler,
                                NDArray promptEmbeds, NDArray pooledPromptEmbeds) {
        this.transformer = transformer;
        this.vae = vae;
        this.scheduler = scheduler;
        this.promptEmbeds = promptEmbeds;
        this.pooledPromptEmbeds = pooledPromptEmbeds;
        latentChannels = vae.config().latentChannels();
        int in = transformer.config().inChannels(), out = transformer.config().outChannels();
        if (out != latentChannels) {
            throw new InvalidCheckpointException("transformer out_channels " + out + " differs from the VAE's latent_channels " + latentChannels);
        }
        if (in == 2 * latentChannels) {
            endToEnd = false;
            if (scheduler == null) throw new IllegalArgumentException("the diffusion model (in_channels " + in + ") needs a scheduler");
        } else if (in == latentChannels) {
            endToEnd = true;
        } else {
            throw new InvalidCheckpointException("transformer in_channels " + in + " is neither the VAE's latent_channels " + latentChannels
                    + " (end-to-end) nor twice it ([image ‖ mask] latents)");
        }
        long[] pe = promptEmbeds.getShape().getShape(), pp = pooledPromptEmbeds.getShape().getShape();
        if (pe.length != 3 || pe[0] != 1 || pe[2] != transformer.config().jointAttentionDim()) {
            throw new IllegalArgumentException("prompt_embeds must be (1, L, " + transformer.config().jointAttentionDim() + "), got "
                    + Arrays.toString(pe));
        }
        if (pp.length != 2 || pp[0] != 1 || pp[1] != transformer.config().pooledProjectionDim()) {
            throw new IllegalArgumentException("pooled_prompt_embeds must be (1, " + transformer.config().pooledProjectionDim() + "), got "
                    + Arrays.toString(pp));
        }
    }

    /** True for the one-step end-to-end model (no sampler, no noise, one forward at t = 1000). */
    public boolean endToEnd() {
        return endToEnd;
    }

    /** The empty-prompt conditioning: prompt embeddings (1, L, D) and pooled embeddings (1, P). */
    public io.prism.engine.diffusers.transformers.EmptyPromptEmbedding.SD3 conditioning() {
        return new io.prism.engine.diffusers.transformers.EmptyPromptEmbedding.SD3(promptEmbeds, pooledPromptEmbeds);
    }

    public SD3Transformer2DModel transformer() {
        return transformer;
    }

    public AutoencoderKL vae() {
        return vae;
    }

    /** Image pixels per transformer patch along each axis: processing sizes must be multiples of it. */
    public int sizeMultiple() {
        return vae.scaleFactor() * transformer.config().patchSize();
    }

    /**
     * @param steps          Euler steps (ignored by the end-to-end model)
     * @param ensembleSize   members, each from its own initial noise (the end-to-end model is deterministic: 1)
     * @param batchSize      members per transformer pass
     * @param posterior      mean (deterministic) or sample of the image posterior
     * @param seed           seeds the noise that is not given
     * @param encodeNoise    ε for {@link Posterior#SAMPLE} (1, C, h, w) flattened, or null: seeded
     * @param initialLatents the members' initial noise (E, C, h, w) flattened, or null: seeded per member
     */
    public record Settings(int steps, int ensembleSize, int batchSize, Posterior posterior, long seed, float[] encodeNoise,
                           float[] initialLatents) {
        public Settings {
            if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
            if (ensembleSize < 1) throw new IllegalArgumentException("ensembleSize must be >= 1, got " + ensembleSize);
            if (batchSize < 1) throw new IllegalArgumentException("batchSize must be >= 1, got " + batchSize);
            if (posterior == null) throw new IllegalArgumentException("posterior mode is required");
        }
    }

    /**
     * One image's result, (H, W) row-major planes at the processing size.
     *
     * @param memberMeans   (E, H, W): each member's channel mean
     * @param probability   the ensemble mean (the continuous mask)
     * @param spread        the members' standard deviation (unbiased; zeros for one member)
     * @param mask          probability &gt; 0.5 as 0 / 1
     * @param finalLatents  (E, C, h, w): what was decoded
     */
    public record Output(int width, int height, int members, float[] memberMeans, float[] probability, float[] spread, float[] mask,
                         float[] finalLatents) {}

    /**
     * Runs the pipeline on image (1, 3, H, W) in [0, 1], H and W multiples of {@link #sizeMultiple()}. Intermediates are
     * shown to {@code probe} under the reference's names ("normalized_image", "image_posterior_mean", "image_latent",
     * "member&lt;m&gt;_step&lt;s&gt;_transformer_out", "…_prev_sample", "member&lt;m&gt;_latent_out", "member&lt;m&gt;_decoded",
     * "raw_prediction&lt;m&gt;"; end-to-end: "transformer_out", "decoded") while alive.
     */
    public Output run(NDArray image, Settings s, BiConsumer<String, NDArray> probe) {
        Shape shape = image.getShape();
        int m = sizeMultiple();
        if (shape.dimension() != 4 || shape.get(0) != 1 || shape.get(1) != 3) throw new IllegalArgumentException("image must be (1, 3, H, W), got " + shape);
        int height = (int) shape.get(2), width = (int) shape.get(3);
        if (height % m != 0 || width % m != 0) {
            throw new IllegalArgumentException("image " + width + "×" + height + " is not a multiple of " + m + " (VAE factor × patch size); pad it");
        }
        BiConsumer<String, NDArray> record = probe == null ? (k, v) -> {} : probe;
        int e = endToEnd ? 1 : s.ensembleSize();
        int h = height / vae.scaleFactor(), w = width / vae.scaleFactor(), perLatent = latentChannels * h * w;
        float[] memberMeans = new float[e * height * width];
        float[] finalLatents = new float[e * perLatent];
        try (NDManager call = image.getManager().newSubManager()) {
            NDArray x = image.duplicate();
            x.attach(call);
            x = x.toType(DataType.FLOAT32, false).mul(2).sub(1);
            record.accept("normalized_image", x);
            DiagonalGaussian posterior = vae.encode(x);
            record.accept("image_posterior_mean", posterior.mean());
            record.accept("image_posterior_std", posterior.std());
            NDArray z = s.posterior() == Posterior.MEAN ? posterior.mean()
                    : posterior.sample(noise(call, s.encodeNoise(), SeededNoise.member(s.seed(), 0, -1, perLatent), latentChannels, h, w, 1));
            NDArray imageLatent = vae.toLatent(z).toType(DataType.FLOAT32, false);                  // (1, C, h, w)
            record.accept("image_latent", imageLatent);

            for (int b0 = 0; b0 < e; b0 += s.batchSize()) {
                int b1 = Math.min(e, b0 + s.batchSize()), b = b1 - b0;
                try (NDManager batch = call.newSubManager()) {
                    imageLatent.tempAttach(batch);
                    NDArray latents = endToEnd ? predictEndToEnd(imageLatent, record) : denoise(imageLatent, s, b0, b, h, w, record);
                    NDArray decoded = vae.decode(vae.fromLatent(latents)).toType(DataType.FLOAT32, false);   // (b, 3, H, W)
                    NDArray raw = decoded.mul(0.5f).add(0.5f).clip(0f, 1f);
                    for (int k = 0; k < b; k++) {
                        String key = "member" + (b0 + k);
                        record.accept(endToEnd ? "decoded" : key + "_decoded", decoded.get(k + ":" + (k + 1)));
                        record.accept("raw_prediction" + (b0 + k), raw.get(k + ":" + (k + 1)));
                    }
                    float[] means = raw.mean(new int[] {1}).toFloatArray();                                  // (b, H, W)
                    System.arraycopy(means, 0, memberMeans, b0 * height * width, means.length);
                    float[] lat = latents.toType(DataType.FLOAT32, false).toFloatArray();
                    System.arraycopy(lat, 0, finalLatents, b0 * perLatent, lat.length);
                }
            }
        }
        return reduce(width, height, e, memberMeans, finalLatents);
    }

    /** The one-step model: its output at t = 1000 on the image latent is the mask latent. */
    private NDArray predictEndToEnd(NDArray imageLatent, BiConsumer<String, NDArray> record) {
        NDArray out = transformer.forward(imageLatent, new float[] {END_TO_END_TIMESTEP}, promptEmbeds, pooledPromptEmbeds)
                .toType(DataType.FLOAT32, false);
        out.attach(imageLatent.getManager());
        record.accept("transformer_out", out);
        return out;
    }

    /** Members b0 … b0+b−1 from their initial noise through every Euler step; (b, C, h, w) float32. */
    private NDArray denoise(NDArray imageLatent, Settings s, int b0, int b, int h, int w, BiConsumer<String, NDArray> record) {
        NDManager m = imageLatent.getManager();
        int perLatent = latentChannels * h * w;
        float[] init = new float[b * perLatent];
        for (int k = 0; k < b; k++) {
            float[] member = s.initialLatents() != null
                    ? Arrays.copyOfRange(s.initialLatents(), (b0 + k) * perLatent, (b0 + k + 1) * perLatent)
                    : SeededNoise.member(s.seed(), 0, b0 + k, perLatent);
            if (member.length != perLatent || s.initialLatents() != null && s.initialLatents().length < (b0 + k + 1) * perLatent) {
                throw new IllegalArgumentException("initial latents must hold " + perLatent + " values per member");
            }
            System.arraycopy(member, 0, init, k * perLatent, perLatent);
        }
        NDArray latents = m.create(init, new Shape(b, latentChannels, h, w));
        NDArray image = imageLatent.repeat(0, b);
        NDArray text = promptEmbeds.repeat(0, b), pooled = pooledPromptEmbeds.repeat(0, b);
        text.attach(m);
        pooled.attach(m);
        float[] sigmas = scheduler.sigmas(s.steps()), timesteps = scheduler.timesteps(s.steps());
        for (int i = 0; i < s.steps(); i++) {
            float[] t = new float[b];
            Arrays.fill(t, timesteps[i]);
            NDArray velocity = transformer.forward(image.concat(latents, 1), t, text, pooled).toType(DataType.FLOAT32, false);
            latents = scheduler.step(velocity, i, sigmas, latents);
            for (int k = 0; k < b; k++) {
                String key = "member" + (b0 + k) + "_step" + i;
                record.accept(key + "_transformer_out", velocity.get(k + ":" + (k + 1)));
                record.accept(key + "_prev_sample", latents.get(k + ":" + (k + 1)));
            }
        }
        for (int k = 0; k < b; k++) record.accept("member" + (b0 + k) + "_latent_out", latents.get(k + ":" + (k + 1)));
        return latents;
    }

    private static NDArray noise(NDManager m, float[] given, float[] seeded, int c, int h, int w, int n) {
        float[] v = given != null ? given : seeded;
        if (v.length != n * c * h * w) throw new IllegalArgumentException("noise must hold " + n * c * h * w + " values, has " + v.length);
        return m.create(v, new Shape(n, c, h, w));
    }

    /** Ensemble mean, members' unbiased standard deviation and the strict threshold, per pixel. */
    static Output reduce(int width, int height, int members, float[] memberMeans, float[] finalLatents) {
        int px = width * height;
        float[] mean = new float[px], spread = new float[px], mask = new float[px];
        for (int i = 0; i < px; i++) {
            double sum = 0;
            for (int k = 0; k < members; k++) sum += memberMeans[k * px + i];
            float mu = (float) (sum / members);
            double sq = 0;
            for (int k = 0; k < members; k++) {
                double d = memberMeans[k * px + i] - mu;
                sq += d * d;
            }
            mean[i] = mu;
            spread[i] = members > 1 ? (float) Math.sqrt(sq / (members - 1)) : 0f;
            mask[i] = mu > THRESHOLD ? 1f : 0f;
        }
        return new Output(width, height, members, memberMeans, mean, spread, mask, finalLatents);
    }
}
