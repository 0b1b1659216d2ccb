package io.prism.trainer.engine;

import ai.djl.pytorch.jni.JniUtils;
import io.prism.engine.image.ImageOps;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.marigold.train.MarigoldTrainConfig;
import io.prism.engine.marigold.train.MarigoldTrainer;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.train.PairDataset;
import io.prism.engine.train.TrainConfig;
import io.prism.engine.train.Trainer;
import io.prism.engine.train.TrainingPair;
import io.prism.engine.transparency.TransparencyPredictor;
import io.prism.engine.transparency.train.TransparencyTrainConfig;
import io.prism.engine.transparency.train.TransparencyTrainer;
import io.prism.trainer.TrainerConfig;
import io.prism.trainer.run.LabeledFrame;
import io.prism.trainer.run.ModelTrainer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fine-tunes with the engine's {@link Trainer} (compact models), {@link MarigoldTrainer} (imported diffusers Marigold
 * models) or {@link TransparencyTrainer} (imported SD3 transparency mask models): from the active checkpoint ({@code initFrom}), in the run's folder,
 * with the configured effective batch and seeds, saving {@code checkpoint-latest} (weights, AdamW moments, step)
 * every {@code checkpointEvery} steps; a run that died resumes from there ({@code resume}). Each progress line the
 * engine prints (at most every two seconds) is passed to {@link ModelTrainer.Progress#step}; a callback that throws
 * stops the run at that point, and its successor resumes from the last checkpoint before it.
 */
public final class EngineModelTrainer implements ModelTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(EngineModelTrainer.class);
    /** The engine's progress line: {@code [name] ###... 12/40 loss 0.12345 lr ... 3.21 step/s ETA ...}. */
    /**
     * DJL's PyTorch engine lets one gradient collector exist per JVM at a time, so fine-tunes in one process (several
     * tasks, or a halted run still unwinding while its successor starts) take turns.
     */
    private static final ReentrantLock ONE_AT_A_TIME = new ReentrantLock();
    private static final Pattern PROGRESS = Pattern.compile("\\s(\\d+)/(\\d+) loss ([-0-9.eE+naNIf]+) .* ([0-9.]+) step/s");

    @Override
    public Result train(Job job, List<LabeledFrame> frames, Progress progress) throws Exception {
        ONE_AT_A_TIME.lockInterruptibly();
        try {
            // PyTorch's grad mode is per thread and on by default; DJL turns it off only on the thread that started
            // the engine. Loading weights into parameters in place needs it off on this (run) thread too — after the
            // engine (and its native library) is loaded, which may not have happened yet in this process.
            io.prism.engine.Engines.pytorch(job.training().threads());
            JniUtils.setGradMode(false);
            return trainExclusively(job, frames, progress);
        } finally {
            ONE_AT_A_TIME.unlock();
        }
    }

    private Result trainExclusively(Job job, List<LabeledFrame> frames, Progress progress) throws Exception {
        if (frames.isEmpty()) throw new IllegalArgumentException("run " + job.runId() + " has no training pairs");
        TrainerConfig.Training t = job.training();
        List<TrainingPair> pairs = frames.stream().map(f -> new TrainingPair(f.id(), f.beauty(), f.target())).toList();
        PairDataset data = PairDataset.of(pairs, frames.size() + " production pairs of run " + job.runId());
        if (TransparencyPredictor.isSd3Folder(job.baseCheckpoint())) return fineTuneTransparency(job, data, progress);
        if (MarigoldCheckpoint.isDiffusersFolder(job.baseCheckpoint())) return fineTuneMarigold(job, data, progress);
        ModelSpec base = ModelCheckpoint.load(job.baseCheckpoint()).spec();
        int crop = t.cropSize() > 0 ? t.cropSize() : autoCrop(base, frames);
        TrainConfig cfg = TrainConfig.defaults(job.task(), job.runDir().toString())
                .withName(job.task() + "-finetune-" + job.runId().substring(0, 8)).withInitFrom(job.baseCheckpoint().toString())
                .withArchitecture(0, null, 0) // the base's architecture; the fresh-model fields are recorded as not applicable
                .withSteps(t.steps()).withBatch(t.microBatch(), t.gradAccumulation())
                .withLearningRate(t.learningRate(false)).withWarmupSteps(Math.min(t.warmupSteps(), Math.max(1, t.steps() / 4)))
                .withMinLrFactor(0.1).withCropSize(crop).withSeeds(t.trainSeed(), t.validationSeed(), t.dataSeed())
                .withEvery(t.checkpointEvery(), 0, 0).withProcessingResolution(base.inference().processingResolution())
                .withThreads(t.threads()).withCommand("prism trainer-service run " + job.runId())
                .withForegroundWeight(foregroundWeight(base));

        int resumedFrom = checkpointStep(job.runDir());
        progress.started(resumedFrom, t.steps());
        long t0 = System.nanoTime();
        PrintStream sink = new PrintStream(new LineSink(progress, job.runDir(), resumedFrom), true, StandardCharsets.UTF_8);
        Trainer.Result r = new Trainer(cfg, sink).train(data, List.of());
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rate = (r.step() - resumedFrom) / Math.max(1e-9, seconds);
        progress.checkpoint(r.step(), r.checkpointDir());
        progress.step(r.step(), t.steps(), r.lastLoss(), rate);
        LOG.info("event=engine-training-done run={} steps={} resumedFrom={} seconds={}", job.runId(), r.step(), resumedFrom,
                String.format("%.1f", seconds));
        return new Result(r.modelDir(), r.step(), resumedFrom, Map.of("loss", r.lastLoss(), "stepsPerSecond", rate,
                "effectiveBatch", (double) t.effectiveBatch()));
    }

    /**
     * An imported diffusers (Marigold) model: the engine's {@link MarigoldTrainer} fine-tunes its UNet with the same
     * steps, batch, seeds and checkpoint interval (the learning rate defaults to Marigold's, see
     * {@link TrainerConfig.Training#learningRate(boolean)}), at the model's own processing resolution; the result is
     * a diffusers folder whose unchanged components are the base's files, so the registry stores only the new UNet.
     */
    private Result fineTuneMarigold(Job job, PairDataset data, Progress progress) throws Exception {
        TrainerConfig.Training t = job.training();
        MarigoldTrainConfig cfg = MarigoldTrainConfig.defaults(job.baseCheckpoint().toString(), job.runDir().toString())
                .withSteps(t.steps()).withBatch(t.microBatch(), t.gradAccumulation())
                .withLearningRate(t.learningRate(true), Math.min(t.warmupSteps(), Math.max(1, t.steps() / 4)))
                .withSeeds(t.trainSeed(), t.validationSeed(), t.dataSeed()).withEvery(t.checkpointEvery(), 0, 0)
                .withThreads(t.threads()).withCommand("prism trainer-service run " + job.runId());
        int resumedFrom = checkpointStep(job.runDir());
        progress.started(resumedFrom, t.steps());
        long t0 = System.nanoTime();
        PrintStream sink = new PrintStream(new LineSink(progress, job.runDir(), resumedFrom), true, StandardCharsets.UTF_8);
        MarigoldTrainer.Result r = new MarigoldTrainer(cfg, sink).train(data, List.of());
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rate = (r.step() - resumedFrom) / Math.max(1e-9, seconds);
        progress.checkpoint(r.step(), r.checkpointDir());
        progress.step(r.step(), t.steps(), r.lastLoss(), rate);
        LOG.info("event=engine-training-done kind=marigold run={} steps={} resumedFrom={} seconds={}", job.runId(), r.step(),
                resumedFrom, String.format("%.1f", seconds));
        return new Result(r.modelDir(), r.step(), resumedFrom, Map.of("loss", r.lastLoss(), "stepsPerSecond", rate,
                "effectiveBatch", (double) t.effectiveBatch()));
    }

    /**
     * An imported SD3 transparency (mask) model: the engine's {@link TransparencyTrainer} fine-tunes its transformer with
     * the same steps, batch, learning rate, seeds and checkpoint interval as {@link #fineTuneMarigold}, at the model's own
     * processing resolution, in the variant its transformer is (rectified flow or one-step end-to-end); the result is an
     * SD3 folder whose unchanged components are the base's files, so the registry stores only the new transformer.
     */
    private Result fineTuneTransparency(Job job, PairDataset data, Progress progress) throws Exception {
        TrainerConfig.Training t = job.training();
        TransparencyTrainConfig cfg = TransparencyTrainConfig.defaults(job.baseCheckpoint().toString(), job.runDir().toString())
                .withSteps(t.steps()).withBatch(t.microBatch(), t.gradAccumulation())
                .withLearningRate(t.learningRate(true), Math.min(t.warmupSteps(), Math.max(1, t.steps() / 4)))
                .withSeeds(t.trainSeed(), t.validationSeed(), t.dataSeed()).withCheckpointEvery(t.checkpointEvery())
                .withThreads(t.threads()).withCommand("prism trainer-service run " + job.runId());
        int resumedFrom = checkpointStep(job.runDir());
        progress.started(resumedFrom, t.steps());
        long t0 = System.nanoTime();
        PrintStream sink = new PrintStream(new LineSink(progress, job.runDir(), resumedFrom), true, StandardCharsets.UTF_8);
        TransparencyTrainer.Result r = new TransparencyTrainer(cfg, sink).train(data, List.of());
        double seconds = (System.nanoTime() - t0) / 1e9;
        double rate = (r.step() - resumedFrom) / Math.max(1e-9, seconds);
        double lastLoss = r.losses().length > 0 ? r.losses()[r.losses().length - 1] : Double.NaN;
        progress.checkpoint(r.step(), r.checkpointDir());
        progress.step(r.step(), t.steps(), lastLoss, rate);
        LOG.info("event=engine-training-done kind=sd3-transparency run={} steps={} resumedFrom={} seconds={}", job.runId(), r.step(),
                resumedFrom, String.format("%.1f", seconds));
        return new Result(r.modelDir(), r.step(), resumedFrom, Map.of("loss", lastLoss, "stepsPerSecond", rate,
                "effectiveBatch", (double) t.effectiveBatch()));
    }

    /**
     * Production frames come in several sizes and aspect ratios; the engine trains on one size per batch. With no
     * crop configured: whole frames when they all come out the same size at the model's processing resolution,
     * otherwise the largest square crop (a multiple of the model's spatial granularity) that fits every frame.
     */
    public static int autoCrop(ModelSpec spec, List<LabeledFrame> frames) {
        int res = spec.inference().processingResolution();
        int multiple = spec.codec().factor() * spec.unet().spatialMultiple();
        java.util.Set<java.util.List<Integer>> sizes = new java.util.HashSet<>();
        int smallest = Integer.MAX_VALUE;
        for (LabeledFrame f : frames) {
            int[] s = res > 0 ? ImageOps.fitLongestSide(f.beauty().width(), f.beauty().height(), res)
                    : new int[] {f.beauty().width(), f.beauty().height()};
            sizes.add(java.util.List.of(s[0], s[1]));
            smallest = Math.min(smallest, Math.min(s[0], s[1]));
        }
        if (sizes.size() == 1) {
            java.util.List<Integer> only = sizes.iterator().next();
            if (only.get(0) % multiple == 0 && only.get(1) % multiple == 0) return 0;
        }
        int crop = smallest / multiple * multiple;
        if (crop < multiple) {
            throw new IllegalArgumentException("training frames are too small for this model: the smallest side is " + smallest
                    + " px at processing resolution " + res + ", the model needs multiples of " + multiple);
        }
        return crop;
    }

    /** A fine-tune keeps the mask loss weighting its parent was trained with (1 when none is recorded). */
    static double foregroundWeight(ModelSpec base) {
        if (base.training() == null || base.training().config() == null) return 1;
        Object w = base.training().config().get("foregroundWeight");
        return w instanceof Number n && n.doubleValue() > 0 ? n.doubleValue() : 1;
    }

    /** The step of the run folder's last checkpoint (0 when there is none). */
    static int checkpointStep(Path runDir) throws IOException {
        Path state = runDir.resolve(Trainer.LATEST).resolve("state.json");
        if (!Files.isRegularFile(state)) return 0;
        Object s = ModelCheckpoint.JSON.readValue(state.toFile(), Map.class).get("step");
        return s instanceof Number n ? n.intValue() : 0;
    }

    /**
     * Turns the engine's progress lines into callbacks (and notices new checkpoints in the run folder as they
     * appear); a callback's exception propagates out of the trainer and stops the run there.
     */
    private static final class LineSink extends OutputStream {
        private final Progress progress;
        private final Path runDir;
        private int lastCheckpoint;
        private final StringBuilder line = new StringBuilder();

        LineSink(Progress progress, Path runDir, int lastCheckpoint) {
            this.progress = progress;
            this.runDir = runDir;
            this.lastCheckpoint = lastCheckpoint;
        }

        @Override
        public void write(int b) {
            if (b == '\n') {
                String l = line.toString();
                line.setLength(0);
                Matcher m = PROGRESS.matcher(l);
                if (m.find()) {
                    double loss;
                    try {
                        loss = Double.parseDouble(m.group(3));
                    } catch (NumberFormatException e) {
                        loss = Double.NaN;
                    }
                    int saved = lastCheckpoint;
                    try {
                        saved = checkpointStep(runDir);
                    } catch (IOException | RuntimeException e) {
                        // being replaced right now: seen on the next line
                    }
                    if (saved > lastCheckpoint) {
                        lastCheckpoint = saved;
                        progress.checkpoint(saved, runDir.resolve(Trainer.LATEST));
                    }
                    progress.step(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)), loss, Double.parseDouble(m.group(4)));
                } else if (!l.isBlank()) {
                    LOG.info("event=engine-trainer line=\"{}\"", l.strip());
                }
            } else {
                line.append((char) b);
            }
        }
    }
}
