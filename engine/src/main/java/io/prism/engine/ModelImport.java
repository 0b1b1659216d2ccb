package io.prism.engine;

import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.StateDict;
import io.prism.engine.diffusers.transformers.EmptyPromptEmbedding;
import io.prism.engine.marigold.MarigoldCheckpoint;
import io.prism.engine.marigold.MarigoldPredictor;
import io.prism.engine.model.CheckpointException;
import io.prism.engine.model.ImportSettings;
import io.prism.engine.model.ModelSpec;
import io.prism.engine.model.ModelCheckpoint;
import io.prism.engine.transparency.TransparencyPredictor;
import io.prism.vision.color.InputEncoding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * What {@code prism models import} stores: a model folder checked by building the model from it exactly as a worker
 * will (every config, every tensor's shape, the targets against the task), reduced to the files inference reads. For
 * a diffusers Marigold folder that is model_index.json, the scheduler config, the UNet and VAE (config + the weight
 * files used) and the empty-prompt embedding, computed here once by the text encoder — which is then not stored; an
 * SD3 transparency folder likewise keeps its transformer, VAE, scheduler and conditioning. Both get the import
 * settings {@link ImportSettings} ({@value ImportSettings#FILE}: the model's input encoding), the folder's own or
 * the one given, else the documented default ({@link InputEncoding#DEFAULT}). A compact checkpoint declares its
 * encoding in its model.json.
 *
 * @param files       relative path → file to register
 * @param description one line for the operator: kind, targets, parameter counts
 */
public record ModelImport(Map<String, Path> files, String description) {

    /**
     * @param scratch a folder for files made during the import (the prompt embedding); must outlive registration
     * @throws CheckpointException with a one-line reason naming the file when the folder cannot be served for {@code task}
     */
    public static ModelImport prepare(Path folder, String task, Path scratch) throws CheckpointException {
        return prepare(folder, task, scratch, null);
    }

    /**
     * @param encoding the input encoding to record for a diffusers model; null: the folder's own settings, else the
     *                 default
     */
    public static ModelImport prepare(Path folder, String task, Path scratch, InputEncoding encoding) throws CheckpointException {
        if (!Files.isDirectory(folder)) throw new CheckpointException(folder + ": not a folder");
        try {
            if (!MarigoldCheckpoint.isDiffusersFolder(folder)) {
                ModelCheckpoint c = ModelCheckpoint.load(folder);
                if (encoding != null && !encoding.equals(c.spec().encoding())) {
                    throw new CheckpointException(folder.resolve(ModelCheckpoint.SPEC_FILE) + ": a compact model's input encoding is "
                            + "the one it was trained with, recorded in model.json (" + c.spec().encoding().describe() + ")");
                }
                if (!c.spec().task().equals(task)) {
                    throw new CheckpointException(folder.resolve(ModelCheckpoint.SPEC_FILE) + ": a " + c.spec().task()
                            + " model cannot be imported as " + task);
                }
                return new ModelImport(all(folder), "prism compact " + c.spec().task() + " model, " + c.parameterCount()
                        + " parameters, input " + c.spec().encoding().describe());
            }
            Path settings = settings(folder, scratch, encoding);
            if (TransparencyPredictor.isSd3Folder(folder)) return prepareSd3(folder, task, scratch, settings);
            MarigoldCheckpoint checkpoint = MarigoldCheckpoint.read(folder);
            Map<String, Path> files = new TreeMap<>();
            files.put(MarigoldCheckpoint.MODEL_INDEX, folder.resolve(MarigoldCheckpoint.MODEL_INDEX));
            files.put("scheduler/scheduler_config.json", existing(folder.resolve("scheduler/scheduler_config.json")));
            files.put(ImportSettings.FILE, settings);
            String description;
            try (MarigoldPredictor p = MarigoldPredictor.open(folder, task, "cpu", 0, "fp32")) {   // builds and checks everything
                components(folder, List.of("unet", "vae"), files);
                files.put(MarigoldCheckpoint.PROMPT_EMBEDS_FILE, conditioning(folder, MarigoldCheckpoint.PROMPT_EMBEDS_FILE, scratch,
                        f -> EmptyPromptEmbedding.save(p.pipeline().emptyTextEmbedding(), f)));
                description = "marigold " + checkpoint.kind().name().toLowerCase(java.util.Locale.ROOT) + " model, targets "
                        + checkpoint.targets().stream().map(MarigoldCheckpoint.Target::name).toList() + ", UNet "
                        + p.pipeline().unet().parameterCount() + " + VAE " + p.pipeline().vae().parameterCount() + " parameters, input "
                        + ImportSettings.read(settings.getParent()).encoding().describe();
            }
            return new ModelImport(files, description);
        } catch (InvalidCheckpointException | IllegalArgumentException e) {
            throw new CheckpointException(e.getMessage(), e);
        } catch (IOException e) {
            throw e instanceof CheckpointException c ? c : new CheckpointException(folder + ": " + e.getMessage(), e);
        }
    }

    /** An SD3 transparency folder: transformer, VAE, scheduler and the empty-prompt conditioning (no text encoders). */
    private static ModelImport prepareSd3(Path folder, String task, Path scratch, Path settings) throws IOException {
        Map<String, Path> files = new TreeMap<>();
        files.put(ImportSettings.FILE, settings);
        files.put(MarigoldCheckpoint.MODEL_INDEX, existing(folder.resolve(MarigoldCheckpoint.MODEL_INDEX)));
        Path scheduler = folder.resolve("scheduler/scheduler_config.json");
        if (Files.isRegularFile(scheduler)) files.put("scheduler/scheduler_config.json", scheduler);
        try (TransparencyPredictor p = TransparencyPredictor.open(folder, task, "cpu", 0, "fp32")) {   // builds and checks everything
            components(folder, List.of("transformer", "vae"), files);
            files.put(TransparencyPredictor.PROMPT_EMBEDS_FILE, conditioning(folder, TransparencyPredictor.PROMPT_EMBEDS_FILE, scratch,
                    f -> EmptyPromptEmbedding.saveSd3(p.pipeline().conditioning(), f)));
            String description = "sd3 transparency model (" + (p.pipeline().endToEnd() ? "one-step end-to-end" : "rectified flow")
                    + "), transformer " + p.pipeline().transformer().parameterCount() + " + VAE " + p.pipeline().vae().parameterCount()
                    + " parameters, input " + ImportSettings.read(settings.getParent()).encoding().describe();
            return new ModelImport(files, description);
        }
    }

    /** The settings file to register: the folder's own (unless an encoding is given), else one written to scratch. */
    private static Path settings(Path folder, Path scratch, InputEncoding encoding) throws IOException {
        Path own = folder.resolve(ImportSettings.FILE);
        if (encoding == null && Files.isRegularFile(own)) {
            ImportSettings.read(folder);   // refuses unknown names now, not in a worker
            return own;
        }
        Path written = scratch.resolve(ImportSettings.FILE);
        new ImportSettings(ModelSpec.Encoding.of(encoding != null ? encoding : InputEncoding.DEFAULT)).write(written);
        return written;
    }

    interface Writer {
        void write(Path file) throws IOException;
    }

    /** The folder's own precomputed conditioning file, or the one the loaded model computed, written to scratch. */
    private static Path conditioning(Path folder, String name, Path scratch, Writer computed) throws IOException {
        Path own = folder.resolve(name);
        if (Files.isRegularFile(own)) return own;
        Files.createDirectories(scratch);
        computed.write(scratch.resolve(name));
        return scratch.resolve(name);
    }

    /** config.json and the weight files actually read, per component folder. */
    private static void components(Path folder, List<String> names, Map<String, Path> files) {
        for (String component : names) {
            files.put(component + "/config.json", existing(folder.resolve(component).resolve("config.json")));
            for (Path w : StateDict.weightFiles(folder.resolve(component), null)) files.put(component + "/" + w.getFileName(), w);
            Path index = folder.resolve(component).resolve("diffusion_pytorch_model.safetensors.index.json");
            if (Files.isRegularFile(index)) files.put(component + "/" + index.getFileName(), index);
        }
    }

    private static Path existing(Path p) {
        if (!Files.isRegularFile(p)) throw new InvalidCheckpointException(p + ": missing");
        return p;
    }

    private static Map<String, Path> all(Path folder) throws IOException {
        Map<String, Path> out = new LinkedHashMap<>();
        try (Stream<Path> walk = Files.walk(folder)) {
            walk.filter(Files::isRegularFile).sorted().forEach(f -> out.put(folder.relativize(f).toString().replace('\\', '/'), f));
        }
        return out;
    }
}
