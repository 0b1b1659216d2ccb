package io.prism.engine.diffusers.models.unets;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.MarigoldReference;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

import static org.assertj.core.api.Assertions.assertThat;

/** Activation checkpointing per block gives the gradients of a plain backward pass (tiny Marigold-IID checkpoint). */
class UNetCheckpointingTest {

    @Test
    void checkpointedBackwardGivesTheWeightGradientsOfAPlainBackward() {
        Engine engine = Engines.pytorch(1);
        engine.setRandomSeed(5);
        boolean gradBefore = Engines.gradMode(false);
        try (NDManager m = engine.newBaseManager()) {
            UNet2DConditionModel unet = UNet2DConditionModel.load(MarigoldReference.tinyIid().resolve("unet"), null, m,
                    DataType.FLOAT32, true);
            for (NDArray w : unet.parameters().values()) w.setRequiresGradient(true);
            // a batch of two with different timesteps, and a latent (9×7) that is not a multiple of the up factor
            NDArray sample = m.randomNormal(new Shape(2, unet.config().inChannels(), 9, 7));
            NDArray target = m.randomNormal(new Shape(2, unet.config().outChannels(), 9, 7));
            NDArray context = m.randomNormal(new Shape(2, 5, 32));
            float[] t = {999, 321};
            Function<NDArray, NDArray> mse = pred -> pred.sub(target).square().mean();

            float plainLoss;
            try (GradientCollector gc = engine.newGradientCollector()) {
                NDArray loss = mse.apply(unet.forward(sample, t, context));
                plainLoss = loss.getFloat();
                gc.backward(loss);
            }
            Map<String, float[]> plain = gradientsThenZero(unet);

            float checkpointedLoss = unet.forwardBackwardCheckpointed(sample, t, context, mse).getFloat();
            Map<String, float[]> checkpointed = gradientsThenZero(unet);

            assertThat(checkpointedLoss).isCloseTo(plainLoss, org.assertj.core.data.Percentage.withPercentage(1e-4));
            assertThat(checkpointed.keySet()).isEqualTo(plain.keySet());
            double global = 0;
            for (float[] a : plain.values()) for (float x : a) global = Math.max(global, Math.abs(x));
            Map<String, Double> blockScale = new LinkedHashMap<>();
            for (String k : plain.keySet()) {
                float[] a = plain.get(k), b = checkpointed.get(k);
                double scale = 0;
                for (float x : a) scale = Math.max(scale, Math.abs(x));
                blockScale.merge(block(k), scale, Math::max);
                // relative per tensor; plus float noise of the whole backward pass, for the gradients that are zero
                // in exact arithmetic (a conv bias right before a GroupNorm) and ~1e-10 here
                double tol = 1e-5 * scale + 1e-7 * global;
                for (int i = 0; i < a.length; i++) {
                    assertThat((double) b[i]).as(k + "[" + i + "]").isCloseTo(a[i], org.assertj.core.data.Offset.offset(tol));
                }
            }
            // every stage's weights received a real gradient: time embedding, conv_in, each down block, mid, each up, conv_out
            for (Map.Entry<String, Double> e : blockScale.entrySet()) {
                assertThat(e.getValue()).as(e.getKey()).isGreaterThan(1e-4 * global);
            }
            assertThat(blockScale).containsKeys("conv_in", "time_embedding", "down_blocks.2", "mid_block", "up_blocks.0", "conv_out");
        } finally {
            Engines.gradMode(gradBefore);
        }
    }

    /** "down_blocks.1.attentions.0…" → "down_blocks.1"; "conv_in.weight" → "conv_in". */
    private static String block(String name) {
        String[] p = name.split("\\.");
        return p[0].endsWith("_blocks") ? p[0] + "." + p[1] : p[0];
    }

    private static Map<String, float[]> gradientsThenZero(UNet2DConditionModel unet) {
        Map<String, float[]> out = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : unet.parameters().entrySet()) {
            try (NDArray g = e.getValue().getGradient()) {
                out.put(e.getKey(), g.toFloatArray());
                g.subi(g);
            }
        }
        return out;
    }
}
