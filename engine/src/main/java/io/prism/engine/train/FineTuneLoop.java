package io.prism.engine.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.training.GradientCollector;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The optimisation loop the diffusers fine-tuners share (the Marigold UNet's and the SD3 transformer's): per step the
 * learning rate of {@link Seeds#warmupCosine}, {@code gradAccumulation} micro-batches into one gradient collector, one
 * {@link AdamW} update (a non-finite gradient stops the run with nothing updated), the progress bar, the trainer's own
 * per-step work (validation), then a checkpoint every {@code checkpointEvery} steps, at the last step and at a requested
 * halt. What the trainers differ in — objective, validation, checkpoint layout — they pass in; every random draw is
 * theirs too (a function of seed and sample index), so the loop keeps resume exact by doing the same work in the same
 * order whether a run is fresh or resumed.
 */
public final class FineTuneLoop {
    private FineTuneLoop() {}

    /** What the loop reads of a run's configuration (the trainers' config records have these accessors). */
    public interface Settings {
        String name();

        int steps();

        int gradAccumulation();

        double learningRate();

        int warmupSteps();

        double minLrFactor();

        double weightDecay();

        double gradClip();

        /** Steps between checkpoints (0 = only at the end). */
        int checkpointEvery();

        /** Stop after checkpointing at this step, to be resumed (0 = never). */
        int haltAfterStep();
    }

    /** Forward and backward of micro-batch {@code micro} of optimiser step {@code step} (0-based); returns its share of the loss. */
    public interface MicroBatch {
        double run(GradientCollector gc, int step, int micro);
    }

    /** The trainer's work after each update, before the checkpoint (step is 1-based: the number of updates done). */
    public interface AfterStep {
        void after(int step, double loss, boolean last) throws IOException;
    }

    /** Writes the checkpoint of the weights after {@code step} updates. */
    public interface Checkpoint {
        void save(int step) throws IOException;
    }

    /**
     * @param step   updates done in total
     * @param halted stopped (and checkpointed) at {@code haltAfterStep} before the last step
     * @param losses the loss of every step run in this call
     */
    public record Outcome(int step, boolean halted, double[] losses) {
        /** The last step's loss (NaN when this call ran none). */
        public double lastLoss() {
            return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
        }
    }

    /** Weight decay per tensor: matrices and kernels ({@code *.weight} of rank &gt; 1), not biases, norms or tables. */
    public static boolean[] decayMask(List<String> names, List<NDArray> weights) {
        boolean[] decay = new boolean[weights.size()];
        for (int i = 0; i < decay.length; i++) decay[i] = names.get(i).endsWith(".weight") && weights.get(i).getShape().dimension() > 1;
        return decay;
    }

    /**
     * Runs from {@code firstStep} updates done to {@code s.steps()} (or the halt).
     *
     * @param latest where the checkpoint goes (named in the message of a non-finite gradient)
     */
    public static Outcome run(Settings s, Engine engine, AdamW adam, List<NDArray> weights, boolean[] decay, int firstStep,
                              PrintStream log, Path latest, MicroBatch microBatch, AfterStep afterStep, Checkpoint checkpoint)
            throws IOException {
        List<Double> losses = new ArrayList<>();
        ProgressBar bar = new ProgressBar(log, s.name(), s.steps());
        long start = System.nanoTime();
        int step = firstStep;
        boolean halt = false;
        while (step < s.steps() && !halt) {
            double lr = Seeds.warmupCosine(step, s.learningRate(), s.warmupSteps(), s.steps(), s.minLrFactor());
            double loss = 0;
            try (GradientCollector gc = engine.newGradientCollector()) {
                for (int micro = 0; micro < s.gradAccumulation(); micro++) loss += microBatch.run(gc, step, micro);
            }
            double gradNorm;
            try {
                gradNorm = adam.stepArrays(weights, decay, lr, s.weightDecay(), s.gradClip());
            } catch (AdamW.NonFiniteGradientException e) {
                throw new IllegalStateException("step " + (step + 1) + ": " + e.getMessage() + "; nothing was updated — resume from "
                        + latest + " with a lower learning rate", e);
            }
            step++;
            losses.add(loss);
            bar.update(step, loss, lr, gradNorm, (System.nanoTime() - start) / 1e9, step - firstStep);
            boolean last = step == s.steps();
            halt = s.haltAfterStep() > 0 && step >= s.haltAfterStep() && !last;
            afterStep.after(step, loss, last);
            if (last || halt || (s.checkpointEvery() > 0 && step % s.checkpointEvery() == 0)) checkpoint.save(step);
        }
        bar.done();
        return new Outcome(step, halt, losses.stream().mapToDouble(Double::doubleValue).toArray());
    }
}
