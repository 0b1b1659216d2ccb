package io.prism.engine.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.vision.color.InputEncoding;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What Prism records next to an imported diffusers model (Marigold, SD3 transparency) in {@value #FILE}: the
 * things the diffusers folder itself does not say. Written by {@code prism models import} (the folder's own file
 * when it has one, else the defaults), carried into fine-tunes, read by the predictors and trainers.
 *
 * <p>{@code inputEncoding}: how the image the model takes is encoded. Default {@link InputEncoding#DEFAULT}
 * (Rec.709 primaries, shoulder tone curve, sRGB transfer): Marigold is Stable Diffusion fine-tuned on tone-mapped
 * synthetic renders (Hypersim, Virtual KITTI) and evaluated on sRGB photographs, and diffusers' pipeline maps such an
 * sRGB image from [0, 1] to [−1, 1]; the SD3.5 transparency model is fine-tuned on sRGB images as well.
 *
 * @param inputEncoding null means the default
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ImportSettings(ModelSpec.Encoding inputEncoding) {
    public static final String FILE = "prism_settings.json";
    public static final ImportSettings DEFAULT = new ImportSettings(ModelSpec.Encoding.of(InputEncoding.DEFAULT));

    public ImportSettings {
        if (inputEncoding != null) inputEncoding.toVision();
    }

    /** The input encoding these settings declare. */
    public InputEncoding encoding() {
        return inputEncoding == null ? InputEncoding.DEFAULT : inputEncoding.toVision();
    }

    /** The settings of a diffusers model folder; {@link #DEFAULT} when it has no {@value #FILE}. */
    public static ImportSettings read(Path dir) {
        Path f = dir.resolve(FILE);
        if (!Files.isRegularFile(f)) return DEFAULT;
        try {
            return ModelCheckpoint.JSON.readValue(f.toFile(), ImportSettings.class);
        } catch (IOException | IllegalArgumentException e) {
            throw new InvalidCheckpointException(f + ": " + e.getMessage(), e);
        }
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        ModelCheckpoint.JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), this);
    }
}
