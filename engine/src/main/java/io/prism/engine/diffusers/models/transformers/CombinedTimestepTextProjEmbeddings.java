package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import io.prism.engine.diffusers.StateDict;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.models.TimestepEmbedding;

import java.util.function.BiConsumer;

/**
 * diffusers' CombinedTimestepTextProjEmbeddings (embeddings.py): the MMDiT's conditioning vector temb = MLP(sinusoid(t))
 * + MLP(pooled text). The sinusoid is Timesteps(256, flip_sin_to_cos, shift 0) — [cos, sin] — of the float timestep
 * σ·1000 the scheduler hands out (not σ, not an integer index).
 *
 * <p>The sinusoid is computed here rather than by {@link io.prism.engine.diffusers.models.Timesteps} because SD3's
 * timesteps are large floats (up to 1000): one ulp of a frequency moves cos(t·ω) by up to 6e-5, and libtorch's SIMD exp
 * is only accurate to 1 ulp, differently per build (2.7.1 and 2.13 disagree on three of the 128 frequencies). The
 * frequencies are therefore correctly rounded float32 values of exp(−ln(10000)·i/128) computed in Java, the product
 * t·ω is rounded to float32 as in diffusers, and cos/sin are correctly rounded: the same table on every device.
 */
public final class CombinedTimestepTextProjEmbeddings {
    static final int TIME_PROJ_CHANNELS = 256;
    private static final float[] FREQUENCIES = frequencies();
    private final TimestepEmbedding timestepEmbedder;
    private final PixArtAlphaTextProjection textEmbedder;

    public CombinedTimestepTextProjEmbeddings(StateDict sd, String prefix, int embeddingDim, int pooledProjectionDim) {
        timestepEmbedder = new TimestepEmbedding(sd, prefix + ".timestep_embedder", TIME_PROJ_CHANNELS, embeddingDim);
        textEmbedder = new PixArtAlphaTextProjection(sd, prefix + ".text_embedder", pooledProjectionDim, embeddingDim);
    }

    /** timesteps (N) and pooled text (N, pooledProjectionDim) → temb (N, D), in the pooled projection's dtype. */
    public NDArray forward(float[] timesteps, NDArray pooledProjection, BiConsumer<String, NDArray> intermediates) {
        return forward(timeProj(pooledProjection.getManager(), timesteps), pooledProjection, intermediates);
    }

    /** As {@link #forward(float[], NDArray, BiConsumer)} from a given sinusoid (N, 256) (tests feed diffusers' own). */
    NDArray forward(NDArray proj, NDArray pooledProjection, BiConsumer<String, NDArray> intermediates) {
        probe(intermediates, "time_text_embed.time_proj", proj);
        if (proj.getDataType() != pooledProjection.getDataType()) proj = proj.toType(pooledProjection.getDataType(), false);
        NDArray timeEmb = timestepEmbedder.forward(proj);
        probe(intermediates, "time_text_embed.timestep_embedder", timeEmb);
        NDArray textEmb = textEmbedder.forward(pooledProjection);
        probe(intermediates, "time_text_embed.text_embedder", textEmb);
        NDArray temb = timeEmb.add(textEmb);
        probe(intermediates, "time_text_embed", temb);
        return temb;
    }

    /** diffusers' get_timestep_embedding(t, 256, flip_sin_to_cos=True, downscale_freq_shift=0): [cos(t·ω), sin(t·ω)]. */
    static NDArray timeProj(NDManager manager, float[] timesteps) {
        int half = TIME_PROJ_CHANNELS / 2;
        float[] emb = new float[timesteps.length * TIME_PROJ_CHANNELS];
        for (int n = 0; n < timesteps.length; n++) {
            for (int i = 0; i < half; i++) {
                float arg = timesteps[n] * FREQUENCIES[i];                 // float32 product, as torch
                emb[n * TIME_PROJ_CHANNELS + i] = (float) Math.cos(arg);
                emb[n * TIME_PROJ_CHANNELS + half + i] = (float) Math.sin(arg);
            }
        }
        return manager.create(emb, new Shape(timesteps.length, TIME_PROJ_CHANNELS));
    }

    /** ω_i = exp(−ln(10000) · i / 128): the exponent in float32 arithmetic as torch computes it, exp correctly rounded. */
    private static float[] frequencies() {
        int half = TIME_PROJ_CHANNELS / 2;
        float minusLn = (float) -Math.log(10000);
        float[] f = new float[half];
        for (int i = 0; i < half; i++) f[i] = (float) Math.exp(minusLn * i / (float) half);
        return f;
    }

    private static void probe(BiConsumer<String, NDArray> intermediates, String name, NDArray value) {
        if (intermediates != null) intermediates.accept(name, value);
    }
}
