package io.prism.engine.diffusers.models.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.nn.Conv2d;

import java.util.function.BiConsumer;

/**
 * diffusers' PatchEmbed as SD3 builds it (embeddings.py): a p×p, stride-p convolution turns the latent into one token
 * per patch (row-major over the patch grid), and each token gets the 2-D sincos position embedding of its patch, cut
 * from the centre of the stored P×P table ({@code pos_embed_max_size} = P) — so a latent of any size up to P·p sees the
 * positions the model was trained with around the middle.
 *
 * <p>The table is a persistent buffer in diffusers' checkpoints ({@code pos_embed.pos_embed}, (1, P², D)) and is read
 * from there; with random weights it is computed ({@link #sincosTable}), the values diffusers would store.
 */
public final class PatchEmbed {
    private final Conv2d proj;
    private final NDArray posEmbed;   // (1, P², D)
    private final int patchSize;
    private final int maxSize;
    private final int dim;

    public PatchEmbed(StateDict sd, String prefix, int inChannels, int dim, int patchSize, int posEmbedMaxSize, int baseSize) {
        this.proj = new Conv2d(sd, prefix + ".proj", inChannels, dim, patchSize, patchSize, 0);
        this.patchSize = patchSize;
        this.maxSize = posEmbedMaxSize;
        this.dim = dim;
        String table = prefix + ".pos_embed";
        if (sd.isRandom()) {
            float[] values = sincosTable(dim, posEmbedMaxSize, baseSize);
            NDArray t = sd.manager().create(values, new Shape(1, (long) posEmbedMaxSize * posEmbedMaxSize, dim));
            this.posEmbed = sd.dtype() == DataType.FLOAT32 ? t : t.toType(sd.dtype(), false);
        } else {
            this.posEmbed = sd.get(table, 1, (long) posEmbedMaxSize * posEmbedMaxSize, dim);
        }
    }

    /** The stored position table (1, P², D): a buffer, not a trained parameter. */
    public NDArray posEmbed() {
        return posEmbed;
    }

    /**
     * latent (N, C, H, W), H and W multiples of the patch size → tokens (N, H/p · W/p, D). A size that is not a multiple
     * is refused: the convolution would drop the remainder and the output would come back smaller than the input.
     */
    public NDArray forward(NDArray latent, BiConsumer<String, NDArray> intermediates) {
        Shape s = latent.getShape();
        long height = s.get(2), width = s.get(3);
        if (height % patchSize != 0 || width % patchSize != 0) {
            throw new IllegalArgumentException("latent size " + height + "×" + width + " is not a multiple of the transformer's patch size "
                    + patchSize + " (image sizes must be multiples of " + patchSize + " × the VAE's scale factor); pad the input");
        }
        long h = height / patchSize, w = width / patchSize;
        if (h > maxSize || w > maxSize) {
            throw new IllegalArgumentException("latent of " + h + "×" + w + " patches exceeds the position table's " + maxSize + "×" + maxSize
                    + " (pos_embed_max_size)");
        }
        NDArray patches = proj.forward(latent);                                        // (N, D, h, w)
        probe(intermediates, "pos_embed.proj", patches);
        NDArray tokens = patches.reshape(s.get(0), dim, h * w).transpose(0, 2, 1);      // (N, h·w, D)
        NDArray pos = croppedPosEmbed(h, w, latent);
        probe(intermediates, "pos_embed_cropped", pos);
        return tokens.add(pos);
    }

    /** The centred h×w window of the table, (1, h·w, D) in the latent's manager (diffusers' cropped_pos_embed: top = (P − h) // 2). */
    private NDArray croppedPosEmbed(long h, long w, NDArray latent) {
        long top = (maxSize - h) / 2, left = (maxSize - w) / 2;
        NDArray grid = posEmbed.reshape(1, maxSize, maxSize, dim);
        grid.attach(latent.getManager());   // the view and what follows belong to the call, not to the weights
        return grid.get(":, " + top + ":" + (top + h) + ", " + left + ":" + (left + w) + ", :")
                .reshape(1, h * w, dim);
    }

    /**
     * diffusers' get_2d_sincos_pos_embed(D, P, base_size, interpolation_scale 1) as float32, (P², D) row-major: the
     * position of grid cell i along an axis is i / (P / base_size) (float32); token (y, x) holds [emb(x), emb(y)] — the
     * first half encodes the column — and emb(pos) = [sin(pos·ω), cos(pos·ω)] with ω_k = 10000^(−k/(D/4)) in float64.
     */
    public static float[] sincosTable(int dim, int gridSize, int baseSize) {
        int quarter = dim / 4;
        float step = (float) ((double) gridSize / baseSize);
        double[] omega = new double[quarter];
        for (int k = 0; k < quarter; k++) omega[k] = 1.0 / Math.pow(10000, k / (dim / 4.0));
        float[][] oneD = new float[gridSize][dim / 2];   // emb(pos of cell i)
        for (int i = 0; i < gridSize; i++) {
            double pos = (float) i / step;
            for (int k = 0; k < quarter; k++) {
                double a = pos * omega[k];
                oneD[i][k] = (float) Math.sin(a);
                oneD[i][quarter + k] = (float) Math.cos(a);
            }
        }
        float[] table = new float[Math.multiplyExact(gridSize * gridSize, dim)];
        for (int y = 0; y < gridSize; y++) {
            for (int x = 0; x < gridSize; x++) {
                int at = (y * gridSize + x) * dim;
                System.arraycopy(oneD[x], 0, table, at, dim / 2);
                System.arraycopy(oneD[y], 0, table, at + dim / 2, dim / 2);
            }
        }
        return table;
    }

    private static void probe(BiConsumer<String, NDArray> intermediates, String name, NDArray value) {
        if (intermediates != null) intermediates.accept(name, value);
    }
}
