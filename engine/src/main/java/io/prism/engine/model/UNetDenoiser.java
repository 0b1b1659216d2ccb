package io.prism.engine.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import io.prism.engine.nn.ConditionalUNet;
import io.prism.engine.nn.UNetConfig;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/** {@link Denoiser} backed by Prism's {@link ConditionalUNet}; owns a child manager that holds its parameters. */
public final class UNetDenoiser implements Denoiser {
    private final UNetConfig config;
    private final NDManager manager;
    private final ConditionalUNet unet;
    private final ParameterStore store;

    public UNetDenoiser(UNetConfig config, NDManager parent) {
        this.config = config;
        this.manager = parent.newSubManager();
        this.unet = new ConditionalUNet(config);
        int m = config.spatialMultiple();
        unet.initialize(manager, DataType.FLOAT32, new Shape(1, config.inChannels(), m, m), new Shape(1));
        this.store = new ParameterStore(manager, false);
    }

    public UNetConfig config() {
        return config;
    }

    public ConditionalUNet block() {
        return unet;
    }

    public NDManager manager() {
        return manager;
    }

    /** Parameters in a fixed order (construction order), named as in the weights file. */
    public List<Pair<String, Parameter>> parameters() {
        List<Pair<String, Parameter>> out = new ArrayList<>();
        for (Pair<String, Parameter> p : unet.getParameters()) out.add(p);
        return out;
    }

    public long parameterCount() {
        long n = 0;
        for (Pair<String, Parameter> p : parameters()) n += p.getValue().getArray().size();
        return n;
    }

    /** Fresh weights from a seeded Java RNG (PyTorch's default bounds, 1/√fan_in; residual outputs start at zero). */
    public void initialise(long seed) {
        SplittableRandom rng = new SplittableRandom(seed);
        for (Pair<String, Parameter> p : parameters()) {
            Parameter param = p.getValue();
            NDArray a = param.getArray();
            float[] v = new float[(int) a.size()];
            switch (param.getType()) {
                case WEIGHT -> {
                    if (!ConditionalUNet.zeroInitialised(p.getKey())) {
                        long fanIn = a.size() / a.getShape().get(0);
                        double bound = 1 / Math.sqrt(fanIn);
                        for (int i = 0; i < v.length; i++) v[i] = (float) ((rng.nextDouble() * 2 - 1) * bound);
                    }
                }
                case GAMMA -> java.util.Arrays.fill(v, 1f);
                default -> { } // biases and β start at zero
            }
            Tensors.assign(a, v);
        }
    }

    /**
     * Copies weights in by name. With {@code expandConvIn}, a conv_in weight with fewer input channels than
     * this network's is repeated along the input-channel axis and divided by the number of copies (Marigold),
     * so activations keep their scale.
     */
    public void loadWeights(Map<String, FloatTensor> weights, boolean expandConvIn) {
        List<String> missing = new ArrayList<>();
        for (Pair<String, Parameter> p : parameters()) {
            FloatTensor t = weights.get(p.getKey());
            if (t == null) {
                missing.add(p.getKey());
                continue;
            }
            NDArray a = p.getValue().getArray();
            long[] want = a.getShape().getShape();
            float[] data = t.data();
            if (!java.util.Arrays.equals(want, t.shape())) {
                if (expandConvIn && p.getKey().contains("conv_in_weight")) {
                    data = expandInputChannels(t, want);
                } else {
                    throw new IllegalArgumentException("weight " + p.getKey() + " has shape " + t.shapeString()
                            + ", the network needs " + java.util.Arrays.toString(want));
                }
            }
            Tensors.assign(a, data);
        }
        if (!missing.isEmpty()) {
            throw new IllegalArgumentException("weights lack " + missing.size() + " parameters of the network, e.g. " + missing.get(0));
        }
    }

    /** (out, inOld, k, k) → (out, inNew, k, k) by repeating inNew / inOld times and dividing by that count. */
    static float[] expandInputChannels(FloatTensor t, long[] want) {
        long[] have = t.shape();
        if (have.length != 4 || want.length != 4 || have[0] != want[0] || have[2] != want[2] || have[3] != want[3]
                || want[1] % have[1] != 0) {
            throw new IllegalArgumentException("cannot expand conv_in " + t.shapeString() + " to " + java.util.Arrays.toString(want));
        }
        int copies = (int) (want[1] / have[1]);
        int k = (int) (have[2] * have[3]);
        int inOld = (int) have[1];
        float[] out = new float[(int) (want[0] * want[1] * k)];
        for (int o = 0; o < want[0]; o++) {
            for (int c = 0; c < want[1]; c++) {
                int src = (o * inOld + c % inOld) * k;
                int dst = (int) ((o * want[1] + c) * k);
                for (int i = 0; i < k; i++) out[dst + i] = t.data()[src + i] / copies;
            }
        }
        return out;
    }

    public Map<String, FloatTensor> exportWeights() {
        Map<String, FloatTensor> out = new LinkedHashMap<>();
        for (Pair<String, Parameter> p : parameters()) {
            NDArray a = p.getValue().getArray();
            out.put(p.getKey(), new FloatTensor(a.getShape().getShape(), a.toFloatArray()));
        }
        return out;
    }

    @Override
    public NDArray predict(NDArray input, float[] timesteps) {
        return forward(input, timesteps, false);
    }

    public NDArray forward(NDArray input, float[] timesteps, boolean training) {
        NDArray t = input.getManager().create(timesteps);
        return unet.forward(store, new NDList(input, t), training).singletonOrThrow();
    }

    @Override
    public int spatialMultiple() {
        return config.spatialMultiple();
    }

    /** Counts conv and attention FLOPs (2 per multiply-add) per latent pixel of one forward pass. */
    @Override
    public double flopsPerLatentPixel() {
        double flops = 0;
        for (Pair<String, Parameter> p : parameters()) {
            NDArray a = p.getValue().getArray();
            Shape s = a.getShape();
            if (s.dimension() == 4) {
                int level = levelOf(p.getKey(), config.channels().size() - 1);
                double stride = p.getKey().contains("downsample") ? 4 : 1;   // stride-2 output has ¼ the pixels
                flops += 2.0 * a.size() / Math.pow(4, level) / stride;
            }
        }
        return flops;   // attention's share depends on the latent size: see attentionFlops
    }

    /** Attention FLOPs of one forward pass for a latent of h×w. */
    public double attentionFlops(long h, long w) {
        int low = config.channels().size() - 1;
        double hw = (double) (h >> low) * (w >> low);
        return 2 * 2 * hw * hw * config.channels().get(low);
    }

    private static int levelOf(String name, int low) {
        // names carry "down_L_", "up_L_"; an up-level's upsample conv runs at level L-1
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(down|up)_(\\d+)_").matcher(name);
        if (m.find()) {
            int l = Integer.parseInt(m.group(2));
            if (m.group(1).equals("up") && name.contains("upsample")) return l - 1;
            return l;
        }
        return name.contains("mid_") ? low : 0;
    }

    @Override
    public void close() {
        manager.close();
    }
}
