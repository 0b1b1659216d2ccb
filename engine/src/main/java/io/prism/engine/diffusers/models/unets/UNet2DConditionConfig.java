package io.prism.engine.diffusers.models.unets;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.diffusers.InvalidCheckpointException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

/**
 * A diffusers {@code unet/config.json} for {@link UNet2DConditionModel}, with diffusers' defaults for absent keys and
 * every per-block setting expanded to one value per block, as {@code UNet2DConditionModel.__init__} does
 * (unet_2d_condition.py): up blocks read the reversed lists.
 *
 * <p>Keys Prism does not know are ignored; a known key whose value would change the computation in a way that is not
 * implemented here (class/addition embeddings, other block types, other time embeddings or resnet time-scale shifts,
 * dual cross-attention, GLIGEN, …) is refused with the file and the key, so a checkpoint never runs with silently
 * different maths. Settings that only affect training-time randomness ({@code dropout}) or that diffusers' default
 * attention processor ignores ({@code upcast_attention}: SDPA does not upcast) are accepted.
 *
 * <p>SD2 naming: {@code attention_head_dim} is the number of <em>heads</em> per block (diffusers issue 2011;
 * {@code num_attention_heads = num_attention_heads or attention_head_dim}); the head width is channels / heads.
 *
 * @param numAttentionHeads         heads per down block (mid block: last; up blocks: reversed)
 * @param transformerLayersPerBlock per down block, the number of BasicTransformerBlocks after each of its resnets
 * @param reverseTransformerLayersPerBlock per up block, the same for each of its {@code layers_per_block + 1} resnets
 * @param midBlockTransformerLayers BasicTransformerBlocks in the mid block's single Transformer2DModel
 * @param timeEmbeddingDim          width of the time embedding ({@code time_embedding_dim} or 4 × first block width)
 */
public record UNet2DConditionConfig(
        int inChannels,
        int outChannels,
        boolean centerInputSample,
        boolean flipSinToCos,
        float freqShift,
        List<String> downBlockTypes,
        String midBlockType,
        List<String> upBlockTypes,
        List<Boolean> onlyCrossAttention,
        List<Integer> blockOutChannels,
        List<Integer> layersPerBlock,
        int downsamplePadding,
        float midBlockScaleFactor,
        int normNumGroups,
        float normEps,
        List<Integer> crossAttentionDim,
        List<List<Integer>> transformerLayersPerBlock,
        List<List<Integer>> reverseTransformerLayersPerBlock,
        int midBlockTransformerLayers,
        List<Integer> numAttentionHeads,
        boolean useLinearProjection,
        int timeEmbeddingDim,
        int convInKernel,
        int convOutKernel) {

    public static final String CROSS_ATTN_DOWN = "CrossAttnDownBlock2D";
    public static final String DOWN = "DownBlock2D";
    public static final String CROSS_ATTN_UP = "CrossAttnUpBlock2D";
    public static final String UP = "UpBlock2D";
    public static final String MID_CROSS_ATTN = "UNetMidBlock2DCrossAttn";

    private static final ObjectMapper JSON = new ObjectMapper();

    public UNet2DConditionConfig {
        downBlockTypes = List.copyOf(downBlockTypes);
        upBlockTypes = List.copyOf(upBlockTypes);
        onlyCrossAttention = List.copyOf(onlyCrossAttention);
        blockOutChannels = List.copyOf(blockOutChannels);
        layersPerBlock = List.copyOf(layersPerBlock);
        crossAttentionDim = List.copyOf(crossAttentionDim);
        transformerLayersPerBlock = transformerLayersPerBlock.stream().map(List::copyOf).toList();
        reverseTransformerLayersPerBlock = reverseTransformerLayersPerBlock.stream().map(List::copyOf).toList();
        numAttentionHeads = List.copyOf(numAttentionHeads);
    }

    /** Number of up blocks with an upsampler (all but the last): the UNet's total up factor is 2 to this power. */
    public int numUpsamplers() {
        return upBlockTypes.size() - 1;
    }

    /** Reads {@code config.json}, refusing (with the file and key) anything that is not implemented. */
    public static UNet2DConditionConfig read(Path configJson) {
        JsonNode root;
        try {
            root = JSON.readTree(configJson.toFile());
        } catch (IOException e) {
            throw new InvalidCheckpointException(configJson + ": unreadable: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new InvalidCheckpointException(configJson + ": not a JSON object");
        return new Reader(configJson, root).config();
    }

    /** Key-by-key reading with diffusers' defaults; every refusal names the file and the key. */
    private static final class Reader {
        private final Path file;
        private final JsonNode root;

        Reader(Path file, JsonNode root) {
            this.file = file;
            this.root = root;
        }

        UNet2DConditionConfig config() {
            String cls = text("_class_name", "UNet2DConditionModel");
            if (!cls.equals("UNet2DConditionModel")) refuse("_class_name", cls, "only UNet2DConditionModel is implemented");

            // settings that add modules or change the maths and are not implemented: must be absent or their default
            requireNull("class_embed_type", "class embeddings are not implemented");
            requireNull("num_class_embeds", "class embeddings are not implemented");
            requireNull("addition_embed_type", "addition embeddings (SDXL, Kandinsky) are not implemented");
            requireNull("encoder_hid_dim", "encoder hidden-state projections are not implemented");
            requireNull("encoder_hid_dim_type", "encoder hidden-state projections are not implemented");
            requireNull("time_embedding_act_fn", "an activation after the time embedding is not implemented");
            requireNull("timestep_post_act", "an activation after the time embedding is not implemented");
            requireNull("time_cond_proj_dim", "timestep conditioning (LCM) is not implemented");
            // diffusers itself raises on num_attention_heads for this class (naming issue 2011): such configs do not load
            requireNull("num_attention_heads", "diffusers' UNet2DConditionModel refuses num_attention_heads; use attention_head_dim");
            requireText("time_embedding_type", "positional", "only the sinusoidal (positional) time embedding is implemented");
            requireText("resnet_time_scale_shift", "default", "only the additive ('default') time embedding in resnets is implemented");
            requireText("attention_type", "default", "GLIGEN (gated) attention is not implemented");
            if (bool("dual_cross_attention", false)) refuse("dual_cross_attention", "true", "DualTransformer2DModel is not implemented");
            String act = text("act_fn", "silu");
            if (!act.equals("silu") && !act.equals("swish")) refuse("act_fn", act, "only silu is implemented");

            List<String> down = strings("down_block_types",
                    List.of(CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, CROSS_ATTN_DOWN, DOWN), Set.of(CROSS_ATTN_DOWN, DOWN));
            List<String> up = strings("up_block_types",
                    List.of(UP, CROSS_ATTN_UP, CROSS_ATTN_UP, CROSS_ATTN_UP), Set.of(UP, CROSS_ATTN_UP));
            String mid = root.has("mid_block_type") && root.get("mid_block_type").isNull() ? "null" : text("mid_block_type", MID_CROSS_ATTN);
            if (!mid.equals(MID_CROSS_ATTN)) refuse("mid_block_type", mid, "only " + MID_CROSS_ATTN + " is implemented");
            int n = down.size();
            if (n == 0) refuse("down_block_types", "[]", "at least one block is needed");
            if (up.size() != n) refuse("up_block_types", up.toString(), "must have as many entries as down_block_types (" + n + ")");

            List<Integer> channels = ints("block_out_channels", List.of(320, 640, 1280, 1280));
            if (channels.size() != n) refuse("block_out_channels", channels.toString(), "must have one entry per down block (" + n + ")");
            List<Integer> layers = perBlockInts("layers_per_block", 2, n);
            List<Integer> cross = perBlockInts("cross_attention_dim", 1280, n);
            List<Boolean> onlyCross = perBlockBools("only_cross_attention", false, n);
            // SD2 naming bug: attention_head_dim holds the number of heads
            List<Integer> heads = perBlockInts("attention_head_dim", 8, n);

            JsonNode tl = root.get("transformer_layers_per_block");
            List<List<Integer>> downTl = new ArrayList<>();
            int midTl;
            List<List<Integer>> upTl = new ArrayList<>();
            if (tl == null || tl.isNull() || tl.isInt()) {
                int v = tl == null || tl.isNull() ? 1 : positive("transformer_layers_per_block", tl);
                for (int i = 0; i < n; i++) downTl.add(Collections.nCopies(layers.get(i), v));
                midTl = v;
            } else if (tl.isArray() && tl.size() == n) {
                boolean nested = false;
                for (int i = 0; i < n; i++) {
                    JsonNode e = tl.get(i);
                    if (e.isInt()) {
                        downTl.add(Collections.nCopies(layers.get(i), positive("transformer_layers_per_block", e)));
                    } else if (e.isArray() && e.size() == layers.get(i)) {
                        nested = true;
                        downTl.add(intList("transformer_layers_per_block", e));
                    } else {
                        refuse("transformer_layers_per_block", tl.toString(), "entry " + i + " must be an int or one int per layer");
                    }
                }
                JsonNode last = tl.get(n - 1);
                midTl = last.isInt() ? last.intValue() : last.get(0).intValue();   // the mid block has one transformer
                if (nested && isNull("reverse_transformer_layers_per_block")) {
                    refuse("transformer_layers_per_block", tl.toString(), "per-layer lists need reverse_transformer_layers_per_block");
                }
            } else {
                throw refuse("transformer_layers_per_block", tl.toString(), "must be an int or one entry per down block (" + n + ")");
            }
            JsonNode rtl = root.get("reverse_transformer_layers_per_block");
            for (int i = 0; i < n; i++) {
                int upLayers = layers.get(n - 1 - i) + 1;
                if (rtl == null || rtl.isNull()) {
                    List<Integer> d = downTl.get(n - 1 - i);
                    // diffusers hands the reversed per-block value to the up block: an int there is used for every layer
                    upTl.add(Collections.nCopies(upLayers, d.get(0)));
                } else {
                    JsonNode e = rtl.isArray() && rtl.size() == n ? rtl.get(i) : null;
                    if (e != null && e.isInt()) upTl.add(Collections.nCopies(upLayers, positive("reverse_transformer_layers_per_block", e)));
                    else if (e != null && e.isArray() && e.size() == upLayers) upTl.add(intList("reverse_transformer_layers_per_block", e));
                    else refuse("reverse_transformer_layers_per_block", rtl.toString(), "must give each up block an int or one int per layer");
                }
            }

            Integer groups = integerOrNull("norm_num_groups", 32);
            if (groups == null) refuse("norm_num_groups", "null", "a UNet without GroupNorm is not implemented");
            for (int i = 0; i < n; i++) {
                int c = channels.get(i);
                if (c <= 0 || c % groups != 0) refuse("block_out_channels", channels.toString(), c + " channels are not divisible into " + groups + " groups");
                if (heads.get(i) <= 0 || c % heads.get(i) != 0) {
                    refuse("attention_head_dim", heads.toString(), "block " + i + ": " + c + " channels do not split into " + heads.get(i) + " heads");
                }
            }
            int convIn = integer("conv_in_kernel", 3), convOut = integer("conv_out_kernel", 3);
            if (convIn <= 0 || convIn % 2 == 0) refuse("conv_in_kernel", Integer.toString(convIn), "only odd kernels keep the size");
            if (convOut <= 0 || convOut % 2 == 0) refuse("conv_out_kernel", Integer.toString(convOut), "only odd kernels keep the size");
            Integer ted = integerOrNull("time_embedding_dim", null);
            int inCh = integer("in_channels", 4), outCh = integer("out_channels", 4);
            if (inCh <= 0) refuse("in_channels", Integer.toString(inCh), "must be positive");
            if (outCh <= 0) refuse("out_channels", Integer.toString(outCh), "must be positive");

            return new UNet2DConditionConfig(inCh, outCh,
                    bool("center_input_sample", false), bool("flip_sin_to_cos", true), number("freq_shift", 0),
                    down, mid, up, onlyCross, channels, layers,
                    integer("downsample_padding", 1), number("mid_block_scale_factor", 1),
                    groups, number("norm_eps", 1e-5f), cross, downTl, upTl, midTl, heads,
                    bool("use_linear_projection", false), ted == null ? 4 * channels.get(0) : ted, convIn, convOut);
        }

        // ---- typed access with defaults; any type mismatch is a refusal naming the key

        private InvalidCheckpointException refuse(String key, String value, String why) {
            throw new InvalidCheckpointException(file + ": " + key + " = " + value + " is not supported (" + why + ")");
        }

        private boolean isNull(String key) {
            JsonNode v = root.get(key);
            return v == null || v.isNull();
        }

        private void requireNull(String key, String why) {
            if (!isNull(key)) refuse(key, root.get(key).toString(), why);
        }

        private void requireText(String key, String expected, String why) {
            String v = text(key, expected);
            if (!v.equals(expected)) refuse(key, v, why);
        }

        private String text(String key, String dflt) {
            if (isNull(key)) return dflt;
            JsonNode v = root.get(key);
            if (!v.isTextual()) refuse(key, v.toString(), "expected a string");
            return v.textValue();
        }

        private boolean bool(String key, boolean dflt) {
            if (isNull(key)) return dflt;
            JsonNode v = root.get(key);
            if (!v.isBoolean()) refuse(key, v.toString(), "expected true or false");
            return v.booleanValue();
        }

        private int integer(String key, int dflt) {
            Integer v = integerOrNull(key, dflt);
            if (v == null) refuse(key, "null", "expected an integer");
            return v;
        }

        private Integer integerOrNull(String key, Integer dflt) {
            if (!root.has(key)) return dflt;
            JsonNode v = root.get(key);
            if (v.isNull()) return null;
            if (!v.isIntegralNumber()) refuse(key, v.toString(), "expected an integer");
            return v.intValue();
        }

        private float number(String key, float dflt) {
            if (isNull(key)) return dflt;
            JsonNode v = root.get(key);
            if (!v.isNumber()) refuse(key, v.toString(), "expected a number");
            return v.floatValue();
        }

        private int positive(String key, JsonNode v) {
            if (!v.isIntegralNumber() || v.intValue() <= 0) refuse(key, v.toString(), "expected a positive integer");
            return v.intValue();
        }

        private List<Integer> intList(String key, JsonNode arr) {
            List<Integer> out = new ArrayList<>();
            for (JsonNode e : arr) out.add(positive(key, e));
            return out;
        }

        private List<Integer> ints(String key, List<Integer> dflt) {
            if (isNull(key)) return dflt;
            JsonNode v = root.get(key);
            if (!v.isArray()) refuse(key, v.toString(), "expected a list of integers");
            return intList(key, v);
        }

        /** An int applied to every block, or a list with one entry per block. */
        private List<Integer> perBlockInts(String key, int dflt, int n) {
            return perBlock(key, n, dflt, v -> positive(key, v));
        }

        private List<Boolean> perBlockBools(String key, boolean dflt, int n) {
            return perBlock(key, n, dflt, v -> {
                if (!v.isBoolean()) refuse(key, v.toString(), "expected true or false");
                return v.booleanValue();
            });
        }

        private <T> List<T> perBlock(String key, int n, T dflt, Function<JsonNode, T> one) {
            if (isNull(key)) return Collections.nCopies(n, dflt);
            JsonNode v = root.get(key);
            if (!v.isArray()) return Collections.nCopies(n, one.apply(v));
            if (v.size() != n) refuse(key, v.toString(), "must have one entry per down block (" + n + ")");
            List<T> out = new ArrayList<>();
            for (JsonNode e : v) out.add(one.apply(e));
            return out;
        }

        /** Block type names, with diffusers' "UNetRes" prefix stripped, each one of {@code known}. */
        private List<String> strings(String key, List<String> dflt, Set<String> known) {
            if (isNull(key)) return dflt;
            JsonNode v = root.get(key);
            if (!v.isArray()) refuse(key, v.toString(), "expected a list of block types");
            List<String> out = new ArrayList<>();
            for (JsonNode e : v) {
                if (!e.isTextual()) refuse(key, v.toString(), "expected a list of block types");
                String t = e.textValue().startsWith("UNetRes") ? e.textValue().substring(7) : e.textValue();
                if (!known.contains(t)) refuse(key, e.textValue(), "block type not implemented; known: " + known);
                out.add(t);
            }
            return out;
        }
    }
}
