package io.prism.trainer.run;

import io.prism.trainer.TrainerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Scores a checkpoint on frames with fixed inference seeds, so two models see exactly the same frames and noise:
 * albedo PSNR and SSIM (in sRGB), mask IoU and F1. Implemented with the engine's evaluator.
 */
public interface ModelEvaluator {
    Map<String, Double> evaluate(String task, Path checkpoint, List<LabeledFrame> frames, TrainerConfig.Evaluation settings) throws Exception;
}
