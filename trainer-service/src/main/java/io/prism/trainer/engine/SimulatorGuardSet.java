package io.prism.trainer.engine;

import io.prism.simulator.RenderedFrame;
import io.prism.simulator.Renderer;
import io.prism.simulator.SceneGenerator;
import io.prism.simulator.Style;
import io.prism.trainer.TrainerConfig;
import io.prism.trainer.run.GuardSet;
import io.prism.trainer.run.LabeledFrame;
import java.util.ArrayList;
import java.util.List;

/**
 * The guard set: frames of the original synthetic style (the shipped models' training data), rendered by the
 * simulator from fixed scene seeds never used for training. Rendering is deterministic, so every run's gate sees
 * the very same frames; they are rendered once per process.
 */
public final class SimulatorGuardSet implements GuardSet {
    private final TrainerConfig.Guard guard;
    private List<RenderedFrame> frames;

    public SimulatorGuardSet(TrainerConfig.Guard guard) {
        this.guard = guard;
    }

    @Override
    public String name() {
        return "guard_" + guard.style();
    }

    private synchronized List<RenderedFrame> rendered() {
        if (frames == null) {
            Style style = Style.parse(guard.style());
            Renderer renderer = new Renderer();
            List<RenderedFrame> out = new ArrayList<>();
            for (int i = 0; i < guard.frames(); i++) {
                out.add(renderer.render(SceneGenerator.generate(style, guard.firstSeed() + i), 1, guard.size(), guard.size(),
                        guard.samples(), Math.max(1, Runtime.getRuntime().availableProcessors())));
            }
            frames = List.copyOf(out);
        }
        return frames;
    }

    @Override
    public List<LabeledFrame> frames(String task) {
        List<LabeledFrame> out = new ArrayList<>();
        List<RenderedFrame> all = rendered();
        for (int i = 0; i < all.size(); i++) {
            RenderedFrame f = all.get(i);
            String id = guard.style() + "-seed" + (guard.firstSeed() + i);
            out.add(new LabeledFrame(id, f.beauty(), task.equals("mask") ? f.mask() : f.albedo()));
        }
        return out;
    }
}
