package io.prism.engine.diffusers.transformers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.diffusers.InvalidCheckpointException;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * transformers' CLIPTextConfig: the text encoder's {@code config.json} (a diffusers {@code text_encoder/} folder).
 * Missing keys take transformers' defaults; unknown keys are ignored; a setting that changes the computation and is not
 * implemented (an activation other than gelu / quick_gelu, a full CLIPConfig instead of the text part) is refused
 * naming config.json and the key.
 *
 * @param hiddenAct  "gelu" (exact erf, SD2 / OpenCLIP) or "quick_gelu" (x·σ(1.702x), OpenAI CLIP: SD1, SD3's CLIP-L)
 * @param eosTokenId selects the pooled token: 2 (the legacy value SD configs carry) → position of the largest id,
 *                   otherwise the first position holding this id (transformers' CLIPTextTransformer)
 */
public record CLIPTextConfig(int vocabSize, int hiddenSize, int intermediateSize, int projectionDim, int numHiddenLayers,
                             int numAttentionHeads, int maxPositionEmbeddings, String hiddenAct, float layerNormEps,
                             long eosTokenId, List<String> architectures) {
    private static final ObjectMapper JSON = new ObjectMapper();
    static final List<String> ACTIVATIONS = List.of("gelu", "quick_gelu");

    public CLIPTextConfig {
        architectures = List.copyOf(architectures);
    }

    /** Reads {@code <textEncoderDir>/config.json}. */
    public static CLIPTextConfig load(Path textEncoderDir) {
        Path file = textEncoderDir.resolve("config.json");
        if (!Files.isRegularFile(file)) throw new InvalidCheckpointException(file + ": text encoder config missing");
        JsonNode n;
        try {
            n = JSON.readTree(file.toFile());
        } catch (IOException e) {
            throw new InvalidCheckpointException(file + ": unreadable: " + e.getMessage(), e);
        }
        if (n == null || !n.isObject()) throw new InvalidCheckpointException(file + ": not a JSON object");
        return parse(n, file.toString());
    }

    /** Parses a config.json tree; {@code source} names the file in refusals. */
    static CLIPTextConfig parse(JsonNode n, String source) {
        String modelType = n.path("model_type").asText("clip_text_model");
        if (!modelType.equals("clip_text_model")) {
            throw new InvalidCheckpointException(source + ": model_type '" + modelType + "' is not a CLIP text model (clip_text_model)"
                    + (n.has("text_config") ? "; a full CLIPConfig with text_config is not supported" : ""));
        }
        String act = n.path("hidden_act").asText("quick_gelu");
        if (!ACTIVATIONS.contains(act)) {
            throw new InvalidCheckpointException(source + ": hidden_act '" + act + "' is not implemented (" + String.join(", ", ACTIVATIONS) + ")");
        }
        List<String> architectures = new ArrayList<>();
        n.path("architectures").forEach(a -> architectures.add(a.asText()));
        CLIPTextConfig c = new CLIPTextConfig(
                positive(n, "vocab_size", 49408, source),
                positive(n, "hidden_size", 512, source),
                positive(n, "intermediate_size", 2048, source),
                positive(n, "projection_dim", 512, source),
                positive(n, "num_hidden_layers", 12, source),
                positive(n, "num_attention_heads", 8, source),
                positive(n, "max_position_embeddings", 77, source),
                act,
                (float) n.path("layer_norm_eps").asDouble(1e-5),
                n.path("eos_token_id").asLong(49407),
                architectures);
        if (c.hiddenSize % c.numAttentionHeads != 0) {
            throw new InvalidCheckpointException(source + ": hidden_size " + c.hiddenSize + " is not divisible by num_attention_heads "
                    + c.numAttentionHeads);
        }
        if (!(c.layerNormEps > 0)) throw new InvalidCheckpointException(source + ": layer_norm_eps must be positive");
        return c;
    }

    private static int positive(JsonNode n, String key, int dflt, String source) {
        JsonNode v = n.get(key);
        if (v == null || v.isNull()) return dflt;
        if (!v.canConvertToInt() || v.asInt() <= 0) throw new InvalidCheckpointException(source + ": " + key + " must be a positive integer, got " + v);
        return v.asInt();
    }

    public int headDim() {
        return hiddenSize / numAttentionHeads;
    }
}
