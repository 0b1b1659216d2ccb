package io.prism.trainer.engine;

import io.prism.platform.contracts.Task;
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
 * Frames of the original synthetic style (the shipped models' training data) rendered by the simulator from fixed
 * scene seeds: the gate's guard set, or the replay frames a fine-tune rehearses. Rendering is deterministic, so every run's gate sees
 * the very same frames; they are rendered once per process.
 */
public final class SimulatorGuardSet implements GuardSet {
    private final String name;
    private final String style;
    private final int count;
    private final int size;
    private final long firstSeed;
    private final int samples;
    private List<RenderedFrame> frames;

    public SimulatorGuardSet(String name, String style, int count, int size, long firstSeed, int samples) {
        this.name = name;
        this.style = style;
        this.count = count;
        this.size = size;
        this.firstSeed = firstSeed;
        this.samples = samples;
    }

    /** The gate's guard set: {@code guard_<style>}. */
    public static SimulatorGuardSet guard(TrainerConfig.Guard g) {
        return new SimulatorGuardSet("guard_" + g.style(), g.style(), g.frames(), g.size(), g.firstSeed(), g.samples());
    }

    /** The replay frames mixed into training: {@code replay_<style>}. */
    public static SimulatorGuardSet replay(TrainerConfig.Guard g) {
        return new SimulatorGuardSet("replay_" + g.style(), g.style(), g.replayFrames(), g.size(), g.replayFirstSeed(), g.samples());
    }

    @Override
    public String name() {
        return name;
    }

    private synchronized List<RenderedFrame> rendered() {
        if (frames == null) {
            Style st = Style.parse(style);
            Renderer renderer = new Renderer();
            List<RenderedFrame> out = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                out.add(renderer.render(SceneGenerator.generate(st, firstSeed + i), 1, size, size,
                        samples, Math.max(1, Runtime.getRuntime().availableProcessors())));
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
            String id = style + "-seed" + (firstSeed + i);
            out.add(new LabeledFrame(id, f.beauty(), task.equals(Task.MASK) ? f.mask() : f.albedo()));
        }
        return out;
    }
}
