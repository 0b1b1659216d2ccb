package io.prism.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.image.ImageOps;
import io.prism.engine.model.CheckpointException;
import io.prism.engine.model.Denoiser;
import io.prism.engine.model.LatentCodec;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.schedule.NoiseScheduler;
import io.prism.vision.color.InputEncoding;
import io.prism.vision.image.FloatImage;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Marigold-style dense prediction (albedo or transparency mask) for batches of images in the model's input encoding.
 *
 * <p>Per image: resize to the processing resolution (longest side) → split into overlapping tiles if
 * larger than the tile size → pad to the codec × UNet multiple → encode → ensemble members, batched,
 * each from seeded noise → denoising loop (UNet input = concat(image latent, noisy target latent)) →
 * decode → unpad → reduce (median + MAD or mean + std; masks: mean) → blend tiles → resize back →
 * masks: threshold 0.5.
 *
 * <p>Thread-safe: calls are serialised on this instance (one native model in memory). For parallel
 * inference, open one predictor per thread. {@link #close()} frees the native memory.
 */
public final class DensePredictor implements Predictor {
    private final ModelSpec spec;
    private final LatentCodec codec;
    private final Denoiser denoiser;
    private final NoiseScheduler scheduler;
    private final NDManager manager;
    private final Device device;
    private final boolean owner;
    private boolean closed;

    /** Assembles a predictor from parts (e.g. a TorchScript UNet and VAE); it takes ownership of them. */
    public DensePredictor(ModelSpec spec, LatentCodec codec, Denoiser denoiser, NoiseScheduler scheduler, NDManager manager) {
        this(spec, codec, denoiser, scheduler, manager, true);
    }

    /** A predictor over parts owned elsewhere (e.g. the trainer's live network); close() then frees nothing. */
    public static DensePredictor borrowing(ModelSpec spec, LatentCodec codec, Denoiser denoiser, NoiseScheduler scheduler,
                                           NDManager manager) {
        return new DensePredictor(spec, codec, denoiser, scheduler, manager, false);
    }

    private DensePredictor(ModelSpec spec, LatentCodec codec, Denoiser denoiser, NoiseScheduler scheduler, NDManager manager,
                           boolean owner) {
        this.owner = owner;
        this.spec = Objects.requireNonNull(spec);
        this.codec = Objects.requireNonNull(codec);
        this.denoiser = Objects.requireNonNull(denoiser);
        this.scheduler = Objects.requireNonNull(scheduler);
        this.manager = Objects.requireNonNull(manager);
        this.device = manager.getDevice();
    }

    /** @param device "cpu" or "gpu:N"; @param threads PyTorch intra-op threads (≤ 0: default; fixed per process) */
    public static DensePredictor create(ModelCheckpoint checkpoint, String device, int threads) {
        var engine = Engines.pytorch(threads);
        Device d = Engines.device(device);
        NDManager m = engine.newBaseManager(d);
        try {
            return new DensePredictor(checkpoint.spec(), checkpoint.newCodec(), checkpoint.newDenoiser(m),
                    checkpoint.newScheduler(), m);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
    }

    public static DensePredictor open(Path checkpointDir, String device, int threads) throws CheckpointException {
        return create(ModelCheckpoint.load(checkpointDir), device, threads);
    }

    public ModelSpec spec() {
        return spec;
    }

    public Denoiser denoiser() {
        return denoiser;
    }

    @Override
    public PredictOptions defaultOptions() {
        return PredictOptions.defaults(spec);
    }

    @Override
    public String task() {
        return spec.task();
    }

    /** model.json's {@code inputEncoding} ({@link InputEncoding#DEFAULT} when absent). */
    @Override
    public InputEncoding inputEncoding() {
        return spec.encoding();
    }

    /** One tile of one image, at processing resolution, padded. */
    private record Unit(int image, int tile, int x0, int y0, int w, int h, FloatImage padded, float[][][] members) {}

    /**
     * Predicts each image of the batch. Images must be R, G, B (or grey Y) in the model's {@link #inputEncoding()},
     * any size, finite values: make them with {@code inputEncoding().encode(beauty)}.
     */
    @Override
    public synchronized List<Prediction> predict(List<FloatImage> srgbImages, PredictOptions o) {
        if (closed) throw new IllegalStateException("predictor is closed");
        Objects.requireNonNull(o, "options");
        List<FloatImage> inputs = new ArrayList<>();
        for (int i = 0; i < srgbImages.size(); i++) {
            FloatImage img = srgbImages.get(i);
            if (img == null) throw new IllegalArgumentException("image " + i + " is null");
            inputs.add(InputEncoding.requireFinite(InputEncoding.colour(img, "input image " + i), "input image " + i));
        }
        long start = System.nanoTime();
        int multiple = codec.downsampleFactor() * denoiser.spatialMultiple();
        List<Unit> units = new ArrayList<>();
        int[][] procSize = new int[inputs.size()][];
        int[] tileCount = new int[inputs.size()];
        for (int i = 0; i < inputs.size(); i++) {
            FloatImage img = inputs.get(i);
            int[] ps = ImageOps.fitLongestSide(img.width(), img.height(), o.processingResolution());
            procSize[i] = ps;
            FloatImage proc = ImageOps.resize(img, ps[0], ps[1], o.resample());
            List<int[]> tiles = tiles(ps[0], ps[1], o.tileSize(), o.tileOverlap());
            tileCount[i] = tiles.size();
            for (int t = 0; t < tiles.size(); t++) {
                int[] r = tiles.get(t);
                FloatImage part = tiles.size() == 1 ? proc : ImageOps.crop(proc, r[0], r[1], r[2], r[3]);
                int pw = ceilTo(r[2], multiple), ph = ceilTo(r[3], multiple);
                units.add(new Unit(i, t, r[0], r[1], r[2], r[3], ImageOps.padTo(part, pw, ph),
                        new float[o.ensembleSize()][][]));
            }
        }
        // group (unit, member) items by padded shape, then run them in batches
        Map<String, List<int[]>> groups = new LinkedHashMap<>();
        for (int u = 0; u < units.size(); u++) {
            Unit unit = units.get(u);
            for (int e = 0; e < o.ensembleSize(); e++) {
                groups.computeIfAbsent(unit.padded.width() + "x" + unit.padded.height(), k -> new ArrayList<>()).add(new int[] {u, e});
            }
        }
        int usedBatch = 0;
        boolean grad = Engines.gradMode(false); // whichever thread calls: inference records no autograd graph
        try {
            for (List<int[]> items : groups.values()) {
                Unit first = units.get(items.get(0)[0]);
                int batch = o.batchSize() > 0 ? o.batchSize() : autoBatchSize(first.padded.width(), first.padded.height());
                usedBatch = Math.max(usedBatch, Math.min(batch, items.size()));
                for (int s = 0; s < items.size(); s += batch) {
                    runBatch(units, items.subList(s, Math.min(items.size(), s + batch)), o);
                }
            }
        } finally {
            Engines.gradMode(grad);
        }
        double millisEach = (System.nanoTime() - start) / 1e6 / Math.max(1, inputs.size());
        List<Prediction> out = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            out.add(assemble(i, inputs.get(i), procSize[i], units, tileCount[i], o, usedBatch, millisEach));
        }
        return out;
    }

    /** Tile rectangles {x, y, w, h} covering w×h with the given overlap; one if no tiling is needed. */
    static List<int[]> tiles(int w, int h, int tile, int overlap) {
        List<int[]> out = new ArrayList<>();
        if (tile <= 0 || (w <= tile && h <= tile)) {
            out.add(new int[] {0, 0, w, h});
            return out;
        }
        int[] xs = starts(w, tile, overlap), ys = starts(h, tile, overlap);
        for (int y : ys) for (int x : xs) out.add(new int[] {x, y, Math.min(tile, w - x), Math.min(tile, h - y)});
        return out;
    }

    private static int[] starts(int len, int tile, int overlap) {
        if (len <= tile) return new int[] {0};
        int n = (int) Math.ceil((double) (len - overlap) / (tile - overlap));
        int[] s = new int[n];
        for (int k = 0; k < n; k++) s[k] = (int) Math.round((double) k * (len - tile) / (n - 1));   // spread evenly
        return s;
    }

    private static int ceilTo(int v, int m) {
        return (v + m - 1) / m * m;
    }

    /** Members per forward pass that fit in half of the free memory (activation estimate × 12), 1..32. */
    int autoBatchSize(int paddedW, int paddedH) {
        int f = codec.downsampleFactor();
        double latentPixels = (double) (paddedW / f) * (paddedH / f);
        double flopsPerPx = Math.max(1, denoiser.flopsPerLatentPixel());
        // activations scale with channels; approximate bytes per latent pixel by √(FLOPs per pixel) × 64
        double bytesPerItem = latentPixels * Math.sqrt(flopsPerPx) * 64 + latentPixels * latentPixels / 16.0 * 4;
        return BatchSize.members(bytesPerItem, device);
    }

    /** Gaussian noise for one member, seeded by (seed, image tile, member) so batching never changes it. */
    static float[] noise(long seed, int tile, int member, int n) {
        return SeededNoise.member(seed, tile, member, n);
    }

    private void runBatch(List<Unit> units, List<int[]> items, PredictOptions o) {
        Unit first = units.get(items.get(0)[0]);
        int w = first.padded.width(), h = first.padded.height(), b = items.size();
        int tc = spec.targetChannels();
        int f = codec.downsampleFactor();
        int latentTarget = codec.latentChannels(tc) * (w / f) * (h / f);
        float[] img = new float[b * 3 * w * h];
        float[] z = new float[b * latentTarget];
        for (int k = 0; k < b; k++) {
            Unit u = units.get(items.get(k)[0]);
            for (int c = 0; c < 3; c++) {
                float[] p = u.padded.planes()[c];
                int off = (k * 3 + c) * w * h;
                for (int i = 0; i < p.length; i++) img[off + i] = p[i] * 2 - 1;              // [0,1] → [−1,1]
            }
            // unit.image indexes this call's list; the tile index within the image keys the noise
            System.arraycopy(noise(o.seed(), u.tile, items.get(k)[1], latentTarget), 0, z, k * latentTarget, latentTarget);
        }
        float[] decoded;
        try (NDManager m = manager.newSubManager()) {
            NDArray x = m.create(img, new Shape(b, 3, h, w));
            NDArray imageLatent = codec.encode(x);                                          // (B, C_i, h/f, w/f)
            Shape ls = imageLatent.getShape();
            NDArray latent = m.create(z, new Shape(b, codec.latentChannels(tc), ls.get(2), ls.get(3)));   // x_T ~ N(0, I)
            float[] ts = scheduler.timesteps(o.steps());
            for (int s = 0; s < o.steps(); s++) {
                float[] t = new float[b];
                Arrays.fill(t, ts[s]);
                // DJL frees an op's output only with its manager: one scope per step keeps one forward pass's
                // activations alive at a time instead of every step's (a 4-step batch otherwise holds 4x the memory)
                try (NDManager step = m.newSubManager()) {
                    imageLatent.tempAttach(step);
                    latent.tempAttach(step);
                    NDArray input = NDArrays.concat(new NDList(imageLatent, latent), 1);   // (B, C_i + C_t, h/f, w/f)
                    NDArray out = denoiser.predict(input, t);                              // (B, C_t, h/f, w/f)
                    NDArray next = scheduler.step(out, s, o.steps(), latent);
                    next.attach(m);
                    latent = next;
                }
            }
            decoded = codec.decode(latent, tc).clip(-1, 1).add(1).div(2).toFloatArray();   // (B, tc, h, w) in [0, 1]
        }
        for (int k = 0; k < b; k++) {
            Unit u = units.get(items.get(k)[0]);
            float[][] member = new float[tc][u.w * u.h];
            for (int c = 0; c < tc; c++) {
                int off = (k * tc + c) * w * h;
                for (int y = 0; y < u.h; y++) System.arraycopy(decoded, off + y * w, member[c], y * u.w, u.w);   // unpad
            }
            u.members[items.get(k)[1]] = member;
        }
    }

    private Prediction assemble(int image, FloatImage input, int[] ps, List<Unit> units, int tileCount, PredictOptions o,
                                int batch, double millis) {
        int tc = spec.targetChannels();
        boolean mask = ModelSpec.TASK_MASK.equals(spec.task());
        Reduction red = mask ? Reduction.MEAN : o.reduction();
        int pw = ps[0], ph = ps[1];
        float[][] value = new float[tc][pw * ph], unc = new float[tc][pw * ph];
        float[] weight = new float[pw * ph];
        for (Unit u : units) {
            if (u.image != image) continue;
            float[][][] r = Ensembler.reduce(u.members, red);                                    // {value, uncertainty}
            for (int y = 0; y < u.h; y++) {
                for (int x = 0; x < u.w; x++) {
                    float wt = tileCount == 1 ? 1 : blendWeight(x, y, u.w, u.h, o.tileOverlap());
                    int gi = (u.y0 + y) * pw + u.x0 + x, li = y * u.w + x;
                    weight[gi] += wt;
                    for (int c = 0; c < tc; c++) {
                        value[c][gi] += wt * r[0][c][li];
                        unc[c][gi] += wt * r[1][c][li];
                    }
                }
            }
        }
        for (int c = 0; c < tc; c++) {
            for (int i = 0; i < weight.length; i++) {
                value[c][i] /= weight[i];
                unc[c][i] /= weight[i];
            }
        }
        List<String> names = spec.targetChannelNames();
        FloatImage v = ImageOps.resize(new FloatImage(pw, ph, names, value), input.width(), input.height(), o.resample());
        FloatImage un = ImageOps.resize(new FloatImage(pw, ph, names, unc), input.width(), input.height(), o.resample());
        for (int c = 0; c < tc; c++) {
            float[] p = v.planes()[c];
            for (int i = 0; i < p.length; i++) {
                p[i] = mask ? (p[i] >= 0.5f ? 1f : 0f) : Math.min(1f, Math.max(0f, p[i]));   // masks: threshold 0.5
            }
            float[] q = un.planes()[c];
            for (int i = 0; i < q.length; i++) q[i] = Math.max(0f, q[i]);
        }
        double meanUnc = 0;
        for (float[] q : un.planes()) for (float x : q) meanUnc += x;
        meanUnc /= (double) tc * input.width() * input.height();
        return new Prediction(v, un, new Prediction.Stats(pw, ph, tileCount, o.steps(), o.ensembleSize(), batch, meanUnc, millis));
    }

    /** Linear ramp over the overlap at tile borders so seams blend; never exactly zero. */
    private static float blendWeight(int x, int y, int w, int h, int overlap) {
        if (overlap <= 0) return 1;
        float wx = Math.min(1f, (Math.min(x, w - 1 - x) + 1f) / (overlap + 1f));
        float wy = Math.min(1f, (Math.min(y, h - 1 - y) + 1f) / (overlap + 1f));
        return wx * wy;
    }

    @Override
    public synchronized void close() {
        if (closed) return;
        closed = true;
        if (!owner) return;
        try {
            denoiser.close();
            codec.close();
        } finally {
            manager.close();
        }
    }
}
