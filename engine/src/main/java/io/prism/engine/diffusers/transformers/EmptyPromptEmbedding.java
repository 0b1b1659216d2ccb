package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * The text conditioning of an SD2-based model that is always run with the empty prompt (Marigold): computed once when
 * the checkpoint is imported and stored next to the model, so inference never loads the tokenizer or text encoder.
 *
 * <p>Exactly what MarigoldIntrinsicsPipeline caches: {@code tokenizer("", padding="do_not_pad", truncation=True)} →
 * [BOS, EOS], then {@code text_encoder(ids)[0]} = the last hidden state (1, 2, hidden), in float32.
 * Stored as a safetensors file holding one F32 tensor named {@value #TENSOR}.
 */
public final class EmptyPromptEmbedding {
    /** The tensor's name in the stored file (diffusers' name for the argument it is passed as). */
    public static final String TENSOR = "prompt_embeds";

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

    private static void requireShape(long[] shape, Path file) {
        if (shape.length != 3 || shape[0] != 1 || shape[1] < 1 || shape[2] < 1) {
            throw new InvalidCheckpointException(file + ": " + TENSOR + " must be (1, tokens, hidden), got " + java.util.Arrays.toString(shape));
        }
    }
}
