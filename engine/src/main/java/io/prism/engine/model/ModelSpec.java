package io.prism.engine.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.prism.engine.nn.UNetConfig;
import io.prism.engine.schedule.SchedulerConfig;
import io.prism.vision.color.InputEncoding;

import java.util.List;
import java.util.Map;

/**
 * Everything about a model except its weights; mirrored one-to-one by the checkpoint's model.json.
 *
 * @param formatVersion  model.json format (1)
 * @param name           e.g. "albedo-v1"
 * @param task           "albedo" (R, G, B sRGB-encoded in [0, 1]) or "mask" (Y in {0, 1})
 * @param architecture   "prism-unet" (this repository's {@link io.prism.engine.nn.ConditionalUNet})
 * @param unet           the UNet's shape
 * @param codec          the latent codec
 * @param scheduler      noise scheduler and prediction type
 * @param inference      default inference options
 * @param normalisation  how inputs and targets are mapped to the model's range
 * @param inputEncoding  the colour encoding of the model's input image (vision's {@link InputEncoding}); absent in
 *                       older model.json files, which means {@link InputEncoding#DEFAULT}
 * @param files          checkpoint file name → SHA-256 (hex) of its bytes; all verified on load
 * @param training       how the weights were made (command, seeds, steps, lineage, metrics); null if unknown
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelSpec(int formatVersion, String name, String task, String architecture, UNetConfig unet,
                        Codec codec, SchedulerConfig scheduler, Inference inference, Normalisation normalisation,
                        Encoding inputEncoding, Map<String, String> files, Training training) {

    public static final String TASK_ALBEDO = "albedo";
    public static final String TASK_MASK = "mask";

    public ModelSpec {
        if (!TASK_ALBEDO.equals(task) && !TASK_MASK.equals(task)) {
            throw new IllegalArgumentException("task must be 'albedo' or 'mask', got '" + task + "'");
        }
        files = files == null ? Map.of() : Map.copyOf(files);
        if (inputEncoding != null) inputEncoding.toVision();   // refuse unknown names when the spec is read
    }

    /**
     * How model.json (and an imported diffusers model's {@code prism_settings.json}) writes an input encoding.
     *
     * @param primaries working primaries: rec709, rec2020, p3-d65, acescg, aces2065-1
     * @param toneMap   shoulder, aces_fitted, reinhard, clamp
     * @param transfer  srgb or linear
     */
    public record Encoding(String primaries, String toneMap, String transfer) {
        public static Encoding of(InputEncoding e) {
            return new Encoding(e.primaries(), e.toneMap().settingName(), e.transfer().settingName());
        }

        public InputEncoding toVision() {
            return InputEncoding.of(primaries, toneMap, transfer);
        }
    }

    /** The model's input encoding ({@link InputEncoding#DEFAULT} when model.json does not say). */
    @JsonIgnore
    public InputEncoding encoding() {
        return inputEncoding == null ? InputEncoding.DEFAULT : inputEncoding.toVision();
    }

    /** @param type "pixel_unshuffle"; z = (unshuffle(x) − shift) · scale */
    public record Codec(String type, int factor, float scale, float shift) {}

    /**
     * @param processingResolution longest side the model works at (0 = native)
     * @param steps                denoising steps
     * @param ensembleSize         ensemble members
     * @param reduction            "median" or "mean"
     * @param resample             "bilinear", "bicubic" or "nearest"
     */
    public record Inference(int processingResolution, int steps, int ensembleSize, String reduction, String resample) {}

    /**
     * @param input  e.g. "sRGB-encoded RGB in [0,1], mapped to [-1,1]"
     * @param target e.g. "albedo sRGB-encoded in [0,1], mapped to [-1,1]" or "mask {0,1} mapped to {-1,1}"
     */
    public record Normalisation(String input, String target) {}

    /**
     * @param command  the exact command line that produced the weights
     * @param parent   checkpoint this one was fine-tuned / initialised from (name and SHA-256), or null
     * @param steps    optimiser steps taken
     * @param seeds    training / validation / data seeds
     * @param data     description of the training and validation data (styles, frame seeds, sizes)
     * @param config   the full training configuration
     * @param metrics  final validation metrics (psnr, ssim or iou, f1) and baselines
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Training(String command, String parent, long steps, Map<String, Long> seeds, Map<String, Object> data,
                           Map<String, Object> config, Map<String, Double> metrics, List<String> history) {}

    @JsonIgnore
    public int imageChannels() {
        return 3;
    }

    @JsonIgnore
    public int targetChannels() {
        return TASK_MASK.equals(task) ? 1 : 3;
    }

    @JsonIgnore
    public List<String> targetChannelNames() {
        return TASK_MASK.equals(task) ? List.of("Y") : List.of("R", "G", "B");
    }

    public ModelSpec withFiles(Map<String, String> f) {
        return new ModelSpec(formatVersion, name, task, architecture, unet, codec, scheduler, inference, normalisation, inputEncoding, f, training);
    }

    public ModelSpec withTraining(Training t) {
        return new ModelSpec(formatVersion, name, task, architecture, unet, codec, scheduler, inference, normalisation, inputEncoding, files, t);
    }

    public ModelSpec withName(String n) {
        return new ModelSpec(formatVersion, n, task, architecture, unet, codec, scheduler, inference, normalisation, inputEncoding, files, training);
    }

    public ModelSpec withUnet(UNetConfig u) {
        return new ModelSpec(formatVersion, name, task, architecture, u, codec, scheduler, inference, normalisation, inputEncoding, files, training);
    }

    /** A fresh spec for Prism's compact architecture. */
    public static ModelSpec compact(String name, String task, int codecFactor, List<Integer> channels, int groups,
                                    int processingResolution) {
        int img = 3 * codecFactor * codecFactor;
        int tgt = (TASK_MASK.equals(task) ? 1 : 3) * codecFactor * codecFactor;
        UNetConfig unet = new UNetConfig(img + tgt, tgt, channels, 1, groups, channels.get(0), 4 * channels.get(0));
        String target = TASK_MASK.equals(task) ? "mask {0,1} mapped to {-1,1}" : "albedo sRGB-encoded in [0,1], mapped to [-1,1]";
        return new ModelSpec(1, name, task, "prism-unet", unet, new Codec("pixel_unshuffle", codecFactor, 1.0f, 0.0f),
                SchedulerConfig.marigold(), new Inference(processingResolution, 1, 1, "median", "bilinear"),
                new Normalisation("RGB in the input encoding, [0,1] mapped to [-1,1]", target),
                Encoding.of(InputEncoding.DEFAULT), Map.of(), null);
    }
}
