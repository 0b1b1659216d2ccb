package io.prism.trainer.run;

import io.prism.trainer.TrainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Fine-tunes a checkpoint on frames; implemented with the engine's trainer ({@code EngineModelTrainer}). */
public interface ModelTrainer {

    /**
     * @param baseCheckpoint the active model's checkpoint folder to start from
     * @param runDir         the run's folder: periodic checkpoints live here and a restarted run resumes from them
     */
    record Job(String task, String runId, Path baseCheckpoint, Path runDir, TrainerConfig.Training training) {}

    /**
     * @param checkpoint      the trained model's checkpoint folder
     * @param resumedFromStep the step the run continued from (0 when it started fresh)
     */
    record Result(Path checkpoint, int stepsDone, int resumedFromStep, Map<String, Double> metrics) {}

    /** Called by the trainer as it goes; a callback may throw {@link RunInterrupted} to stop the run at once. */
    interface Progress {
        void started(int fromStep, int totalSteps);

        void step(int step, int totalSteps, double loss, double stepsPerSecond);

        void checkpoint(int step, Path dir);
    }

    Result train(Job job, List<LabeledFrame> frames, Progress progress) throws Exception;
}
