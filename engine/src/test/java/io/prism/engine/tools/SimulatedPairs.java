package io.prism.engine.tools;

import io.prism.engine.train.TrainingPair;
import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.Style;
import io.prism.simulator.scene.Scene;

import java.util.ArrayList;
import java.util.List;

/** Renders (beauty, albedo / mask) pairs with the synthetic farm, in memory, exactly as {@code prism simulate} would. */
public final class SimulatedPairs {
    private SimulatedPairs() {}

    /** seeds [first, first + count) × frames 1..framesPerSeed of the given style. */
    public static List<TrainingPair> render(String task, String style, long firstSeed, int count, int framesPerSeed,
                                            int size, int samples, int threads) {
        Style st = Style.parse(style);
        Renderer renderer = new Renderer();
        List<TrainingPair> out = new ArrayList<>();
        for (long seed = firstSeed; seed < firstSeed + count; seed++) {
            Scene scene = SceneGenerator.generate(st, seed);
            for (int f = 1; f <= framesPerSeed; f++) {
                RenderedFrame rf = renderer.render(scene, f * 7, size, size, samples, threads);
                out.add(new TrainingPair(style + "-seed" + seed + "-f" + f * 7, rf.beauty(),
                        task.equals("mask") ? rf.mask() : rf.albedo()));
            }
        }
        return out;
    }

    public static String describe(String style, long firstSeed, int count, int framesPerSeed, int size, int samples) {
        return String.format("simulator style %s, scene seeds %d-%d, frames %s of each, %dx%d, %d spp", style, firstSeed,
                firstSeed + count - 1, framesPerSeed == 1 ? "7" : "7,14,..," + 7 * framesPerSeed, size, size, samples);
    }
}
