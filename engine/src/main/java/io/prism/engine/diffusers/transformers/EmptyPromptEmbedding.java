package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text conditioning of a model that is always run with the empty prompt: computed once when the checkpoint is
 * imported and stored next to the model, so inference never loads a tokenizer or text encoder.
 *
 * <p>SD2 (Marigold): exactly what MarigoldIntrinsicsPipeline caches: {@code tokenizer("", padding="do_not_pad",
 * truncation=True)} → [BOS, EOS], then {@code text_encoder(ids)[0]} = the last hidden state (1, 2, hidden), in float32.
 * Stored as a safetensors file holding one F32 tensor named {@value #TENSOR}.
 *
 * <p>SD3 ({@link #computeSd3}): StableDiffusion3Pipeline.encode_prompt("") from CLIP-L and CLIP-G, with the T5 rows
 * left zero as when the pipeline has no text_encoder_3 (how the transparency-segmentation repository built its
 * conditioning); stored with {@link #saveSd3} as {@value #TENSOR} + {@value #POOLED_TENSOR}.
 */
public final class EmptyPromptEmbedding {
    /** The tensor's name in the stored file (diffusers' name for the argument it is passed as). */
    public static final String TENSOR = "prompt_embeds";
    /** SD3's pooled conditioning in the stored file. */
    public static final String POOLED_TENSOR = "pooled_prompt_embeds";

    /**
     * SD3's empty-prompt conditioning.
     *
     * @param promptEmbeds       (1, L + t5Tokens, joint_attention_dim): rows 0…L−1 = [CLIP-L ‖ CLIP-G] second to last
     *                           hidden states zero-padded to the transformer's width, then t5Tokens zero rows
     * @param pooledPromptEmbeds (1, projection_L + projection_G): [CLIP-L ‖ CLIP-G] projected pooled outputs
     */
    public record SD3(NDArray promptEmbeds, NDArray pooledPromptEmbeds) {}

    private EmptyPromptEmbedding() {}

    /** {@link #compute(Path, String, NDManager)} with the plain (non-variant) text encoder weights. */
    public static NDArray compute(Path checkpointFolder, NDManager manager) {
        return compute(checkpointFolder, null, manager);
    }

    /**
     * Tokenises "" with {@code <checkpointFolder>/tokenizer} and encodes it with {@code <checkpointFolder>/text_encoder}
     * (a CLIPTextModel, float32); the text encoder's weights are freed before returning.
     *
     * @param variant null, or e.g. "fp16" to prefer {@code model.fp16.safetensors}
     * @return the last hidden state (1, L, hidden) in {@code manager} (L = 2 for CLIP tokenizers)
     */
    public static NDArray compute(Path checkpointFolder, String variant, NDManager manager) {
        long[] ids = CLIPTokenizer.load(checkpointFolder.resolve("tokenizer")).encode("", CLIPTokenizer.Padding.DO_NOT_PAD);
        boolean grad = Engines.gradMode(false);
        try (NDManager weights = manager.newSubManager()) {
            CLIPTextModel textEncoder = CLIPTextModel.load(checkpointFolder.resolve("text_encoder"), variant, weights, DataType.FLOAT32);
            NDArray embedding = textEncoder.encode(ids);
            embedding.attach(manager);
            return embedding;
        } finally {
            Engines.gradMode(grad);
        }
    }

    /**
     * StableDiffusion3Pipeline.encode_prompt("") without T5 (text_encoder_3 = None), in float32: both CLIP tokenizers
     * pad "" to the first tokenizer's model_max_length (CLIP-L with its pad token, CLIP-G with "!"); each
     * CLIPTextModelWithProjection ({@code text_encoder}, {@code text_encoder_2}) gives its second to last hidden state
     * (before final_layer_norm) and its projected pooled output; the hidden states are concatenated on features and
     * zero-padded to {@code transformer/config.json}'s joint_attention_dim, then {@code t5Tokens} zero rows are appended.
     *
     * @param t5Tokens the pipeline's max_sequence_length (77 in the transparency repository, 256 by default)
     */
    public static SD3 computeSd3(Path checkpointFolder, String variant, int t5Tokens, NDManager manager) {
        if (t5Tokens < 0) throw new IllegalArgumentException("t5Tokens must be ≥ 0, got " + t5Tokens);
        int joint = jointAttentionDim(checkpointFolder.resolve("transformer").resolve("config.json"));
        CLIPTokenizer tokenizerL = CLIPTokenizer.load(checkpointFolder.resolve("tokenizer"));
        CLIPTokenizer tokenizerG = CLIPTokenizer.load(checkpointFolder.resolve("tokenizer_2"));
        int maxLength = tokenizerL.modelMaxLength();
        boolean grad = Engines.gradMode(false);
        try (NDManager sub = manager.newSubManager()) {
            NDArray[] l = clip(checkpointFolder.resolve("text_encoder"), tokenizerL.encode("", CLIPTokenizer.Padding.MAX_LENGTH, maxLength), variant, sub);
            NDArray[] g = clip(checkpointFolder.resolve("text_encoder_2"), tokenizerG.encode("", CLIPTokenizer.Padding.MAX_LENGTH, maxLength), variant, sub);
            NDArray clip = l[0].concat(g[0], 2);                                           // (1, L, hidden_L + hidden_G)
            long width = clip.getShape().get(2), length = clip.getShape().get(1);
            if (width > joint) {
                throw new InvalidCheckpointException(checkpointFolder.resolve("transformer").resolve("config.json") + ": joint_attention_dim "
                        + joint + " is narrower than the CLIP-L + CLIP-G hidden states (" + width + ")");
            }
            if (width < joint) clip = clip.concat(sub.zeros(new Shape(1, length, joint - width)), 2);   // (1, L, joint)
            NDArray prompt = t5Tokens == 0 ? clip : clip.concat(sub.zeros(new Shape(1, t5Tokens, joint)), 1);
            NDArray pooled = l[1].concat(g[1], 1);                                         // (1, proj_L + proj_G)
            prompt.attach(manager);
            pooled.attach(manager);
            return new SD3(prompt, pooled);
        } finally {
            Engines.gradMode(grad);
        }
    }

    /** {second to last hidden state (1, L, hidden), text_embeds (1, projection)} of one CLIP text encoder. */
    private static NDArray[] clip(Path textEncoderDir, long[] ids, String variant, NDManager manager) {
        CLIPTextModelWithProjection encoder = CLIPTextModelWithProjection.load(textEncoderDir, variant, manager, DataType.FLOAT32);
        CLIPTextModelWithProjection.Output o = encoder.forward(manager.create(new long[][] {ids}));
        return new NDArray[] {o.hiddenStates().get(o.hiddenStates().size() - 2), o.textEmbeds()};
    }

    private static int jointAttentionDim(Path transformerConfig) {
        try {
            JsonNode n = new ObjectMapper().readTree(transformerConfig.toFile()).get("joint_attention_dim");
            if (n == null || !n.canConvertToInt() || n.asInt() <= 0) {
                throw new InvalidCheckpointException(transformerConfig + ": joint_attention_dim missing or not a positive integer");
            }
            return n.asInt();
        } catch (IOException e) {
            throw new InvalidCheckpointException(transformerConfig + ": unreadable: " + e.getMessage(), e);
        }
    }

    /** Writes {@code embedding} (1, L, hidden) as a safetensors file with the single F32 tensor {@value #TENSOR}. */
    public static void save(NDArray embedding, Path file) throws IOException {
        requireShape(embedding.getShape().getShape(), file);
        float[] data = embedding.toType(DataType.FLOAT32, false).toFloatArray();
        Safetensors.write(file, Map.of(TENSOR, new FloatTensor(embedding.getShape().getShape(), data)), Map.of("format", "pt"));
    }

    /** Reads a file written by {@link #save}, refusing one without exactly the tensor {@value #TENSOR} of shape (1, L, hidden). */
    public static NDArray load(Path file, NDManager manager) throws IOException {
        Map<String, FloatTensor> tensors = Safetensors.read(file);
        FloatTensor t = tensors.get(TENSOR);
        if (t == null || tensors.size() != 1) {
            throw new InvalidCheckpointException(file + ": expected exactly one tensor '" + TENSOR + "', found " + tensors.keySet());
        }
        requireShape(t.shape(), file);
        return manager.create(t.data(), new Shape(t.shape()));
    }

    /** Writes SD3's conditioning as a safetensors file with the F32 tensors {@value #TENSOR} and {@value #POOLED_TENSOR}. */
    public static void saveSd3(SD3 conditioning, Path file) throws IOException {
        Map<String, FloatTensor> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, NDArray> e : Map.of(TENSOR, conditioning.promptEmbeds(), POOLED_TENSOR, conditioning.pooledPromptEmbeds()).entrySet()) {
            NDArray a = e.getValue();
            tensors.put(e.getKey(), new FloatTensor(a.getShape().getShape(), a.toType(DataType.FLOAT32, false).toFloatArray()));
        }
        Safetensors.write(file, tensors, Map.of("format", "pt"));
    }

    /** Reads a file written by {@link #saveSd3}, refusing one without exactly its two tensors (1, L, joint) and (1, pooled). */
    public static SD3 loadSd3(Path file, NDManager manager) throws IOException {
        Map<String, FloatTensor> tensors = Safetensors.read(file);
        FloatTensor prompt = tensors.get(TENSOR), pooled = tensors.get(POOLED_TENSOR);
        if (prompt == null || pooled == null || tensors.size() != 2) {
            throw new InvalidCheckpointException(file + ": expected exactly the tensors '" + TENSOR + "' and '" + POOLED_TENSOR
                    + "', found " + tensors.keySet());
        }
        requireShape(prompt.shape(), file);
        if (pooled.shape().length != 2 || pooled.shape()[0] != 1) {
            throw new InvalidCheckpointException(file + ": " + POOLED_TENSOR + " must be (1, width), got " + java.util.Arrays.toString(pooled.shape()));
        }
        return new SD3(manager.create(prompt.data(), new Shape(prompt.shape())), manager.create(pooled.data(), new Shape(pooled.shape())));
    }

    private static void requireShape(long[] shape, Path file) {
        if (shape.length != 3 || shape[0] != 1 || shape[1] < 1 || shape[2] < 1) {
            throw new InvalidCheckpointException(file + ": " + TENSOR + " must be (1, tokens, hidden), got " + java.util.Arrays.toString(shape));
        }
    }
}
