package io.prism.engine.diffusers.transformers;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prism.engine.diffusers.InvalidCheckpointException;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * transformers' (slow) CLIPTokenizer, which diffusers' SD pipelines load from a checkpoint's {@code tokenizer/}:
 * byte-level BPE over {@code vocab.json} + {@code merges.txt}, with the special tokens of {@code tokenizer_config.json}
 * / {@code special_tokens_map.json}.
 *
 * <p>Steps, as transformers runs them: special tokens written in the text are split off and kept whole; the rest is
 * normalised the way CLIPTokenizer does without the optional {@code ftfy} package (its BasicTokenizer: control characters
 * dropped, whitespace collapsed, CJK ideographs spaced, NFC, lower case; accents and punctuation kept), cut by CLIP's
 * pre-tokenizer regex, each piece's UTF-8 bytes mapped to GPT-2's printable byte alphabet, its last symbol marked
 * {@code </w>}, and the BPE merges applied lowest rank first. The ids are {@code [BOS] + tokens + [EOS]}, truncated to
 * {@code model_max_length} (EOS kept) and optionally padded with the pad token. BOS/EOS/pad ids are the vocabulary's
 * ids of their token strings (the text encoder config's bos/eos/pad ids are not used: SD's are wrong).
 */
public final class CLIPTokenizer {
    /** transformers' padding strategies that SD pipelines use. */
    public enum Padding {
        /** as many ids as the text needs (Marigold's empty prompt: [BOS, EOS]) */
        DO_NOT_PAD,
        /** padded with the pad token to model_max_length (SD1/2/3 prompts) */
        MAX_LENGTH
    }

    /** A special token as transformers' AddedToken: whitespace next to it is stripped when lstrip / rstrip are set. */
    record SpecialToken(String content, boolean lstrip, boolean rstrip) {}

    private static final ObjectMapper JSON = new ObjectMapper();
    /** CLIP's pre-tokenizer (tokenization_clip.py), case-insensitive, Unicode \s / \p{L} / \p{N}. */
    private static final Pattern PRE_TOKENIZER = Pattern.compile(
            "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+",
            Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE | Pattern.UNICODE_CHARACTER_CLASS);
    /** transformers reads at most this many merges (49152 − 256 − 2 lines after the version header). */
    private static final int MAX_MERGES = 49152 - 256 - 2;
    private static final String[] BYTE_ENCODER = bytesToUnicode();

    private final Path dir;
    private final Map<String, Integer> vocab;
    private final Map<String, Integer> bpeRanks;                 // "first second" → rank
    private final Map<String, String> cache = new ConcurrentHashMap<>();
    private final List<SpecialToken> specialTokens;             // longest first, for splitting the text
    private final int bosId;
    private final int eosId;
    private final Integer padId;                                // null: no pad token
    private final Integer unkId;
    private final int modelMaxLength;

    private CLIPTokenizer(Path dir, Map<String, Integer> vocab, Map<String, Integer> bpeRanks, List<SpecialToken> specialTokens,
                          int bosId, int eosId, Integer padId, Integer unkId, int modelMaxLength) {
        this.dir = dir;
        this.vocab = vocab;
        this.bpeRanks = bpeRanks;
        this.specialTokens = specialTokens;
        this.bosId = bosId;
        this.eosId = eosId;
        this.padId = padId;
        this.unkId = unkId;
        this.modelMaxLength = modelMaxLength;
        cache.put("<|startoftext|>", "<|startoftext|>");
        cache.put("<|endoftext|>", "<|endoftext|>");
    }

    /** Loads a {@code tokenizer/} folder; every problem is refused naming the file. */
    public static CLIPTokenizer load(Path tokenizerDir) {
        Path vocabFile = tokenizerDir.resolve("vocab.json"), mergesFile = tokenizerDir.resolve("merges.txt");
        Path configFile = tokenizerDir.resolve("tokenizer_config.json"), mapFile = tokenizerDir.resolve("special_tokens_map.json");
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode v = readJson(vocabFile, true);
        v.fields().forEachRemaining(e -> {
            if (!e.getValue().canConvertToInt()) throw new InvalidCheckpointException(vocabFile + ": id of '" + e.getKey() + "' is not an integer");
            vocab.put(e.getKey(), e.getValue().asInt());
        });
        Map<String, Integer> ranks = readMerges(mergesFile);

        // transformers: CLIPTokenizer's defaults, overridden by tokenizer_config.json, then by special_tokens_map.json
        Map<String, SpecialToken> special = new HashMap<>();
        special.put("bos_token", new SpecialToken("<|startoftext|>", false, false));
        for (String k : List.of("eos_token", "unk_token", "pad_token")) special.put(k, new SpecialToken("<|endoftext|>", false, false));
        JsonNode config = readJson(configFile, false);
        JsonNode map = readJson(mapFile, false);
        for (JsonNode source : List.of(config, map)) {
            for (String k : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
                if (source.has(k)) special.put(k, specialToken(source.get(k), k, source == config ? configFile : mapFile));
            }
        }
        int maxLength = modelMaxLength(config, configFile);
        SpecialToken bos = special.get("bos_token"), eos = special.get("eos_token");
        if (bos == null || eos == null) throw new InvalidCheckpointException(configFile + ": bos_token and eos_token are required");
        SpecialToken pad = special.get("pad_token"), unk = special.get("unk_token");
        List<SpecialToken> splitting = new ArrayList<>(new LinkedHashSet<>(
                Arrays.asList(bos, eos, unk, pad).stream().filter(t -> t != null).toList()));
        splitting.sort((a, b) -> b.content().length() - a.content().length());
        return new CLIPTokenizer(tokenizerDir, vocab, ranks, splitting, id(vocab, bos, "bos_token", vocabFile), id(vocab, eos, "eos_token", vocabFile),
                pad == null ? null : id(vocab, pad, "pad_token", vocabFile), unk == null ? null : id(vocab, unk, "unk_token", vocabFile), maxLength);
    }

    private static JsonNode readJson(Path file, boolean required) {
        if (!Files.isRegularFile(file)) {
            if (required) throw new InvalidCheckpointException(file + ": tokenizer file missing");
            return JSON.createObjectNode();
        }
        try {
            JsonNode n = JSON.readTree(file.toFile());
            if (n == null || !n.isObject()) throw new InvalidCheckpointException(file + ": not a JSON object");
            return n;
        } catch (IOException e) {
            throw new InvalidCheckpointException(file + ": unreadable: " + e.getMessage(), e);
        }
    }

    /** merges.txt as transformers reads it: the first line (version header) skipped, at most 48,894 merges. */
    private static Map<String, Integer> readMerges(Path file) {
        if (!Files.isRegularFile(file)) throw new InvalidCheckpointException(file + ": tokenizer file missing");
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new InvalidCheckpointException(file + ": unreadable: " + e.getMessage(), e);
        }
        String[] lines = text.strip().split("\n", -1);
        Map<String, Integer> ranks = new HashMap<>();
        for (int i = 1; i < lines.length && i <= MAX_MERGES; i++) {
            String line = lines[i].strip();
            if (line.isEmpty()) continue;                                 // an empty line takes a rank but never matches
            String[] pair = line.split("\\s+");
            if (pair.length != 2) {
                throw new InvalidCheckpointException(file + ": line " + (i + 1) + " is not a merge of two symbols: '" + lines[i].strip() + "'");
            }
            ranks.put(pair[0] + " " + pair[1], i - 1);                  // a repeated pair keeps its last rank, as in transformers
        }
        return ranks;
    }

    /** A token entry: a string, or an AddedToken object ({@code content}, {@code lstrip}, {@code rstrip}); null = none. */
    private static SpecialToken specialToken(JsonNode n, String key, Path file) {
        if (n.isNull()) return null;
        if (n.isTextual()) return new SpecialToken(n.asText(), false, false);
        if (n.isObject() && n.path("content").isTextual()) {
            return new SpecialToken(n.get("content").asText(), n.path("lstrip").asBoolean(false), n.path("rstrip").asBoolean(false));
        }
        throw new InvalidCheckpointException(file + ": " + key + " is neither a string nor a token object: " + n);
    }

    private static int modelMaxLength(JsonNode config, Path file) {
        JsonNode n = config.get("model_max_length");
        if (n == null || !n.isNumber()) {
            throw new InvalidCheckpointException(file + ": model_max_length missing (CLIP text encoders take 77 tokens)");
        }
        double d = n.asDouble();
        if (d < 2) throw new InvalidCheckpointException(file + ": model_max_length " + n + " leaves no room for BOS and EOS");
        return d >= Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) d;     // transformers writes 1e30 for "unlimited"
    }

    private static int id(Map<String, Integer> vocab, SpecialToken t, String key, Path vocabFile) {
        Integer id = vocab.get(t.content());
        if (id == null) throw new InvalidCheckpointException(vocabFile + ": " + key + " '" + t.content() + "' is not in the vocabulary");
        return id;
    }

    /** GPT-2's byte → printable character table: printable Latin-1 bytes map to themselves, the rest to U+0100…. */
    private static String[] bytesToUnicode() {
        String[] table = new String[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) printable[b] = true;
        for (int b = 0xA1; b <= 0xAC; b++) printable[b] = true;
        for (int b = 0xAE; b <= 0xFF; b++) printable[b] = true;
        int next = 0;
        for (int b = 0; b < 256; b++) table[b] = new String(Character.toChars(printable[b] ? b : 256 + next++));
        return table;
    }

    /**
     * Token ids of {@code text}: BOS, the text's tokens (truncated so that the total fits model_max_length), EOS, then
     * pad ids up to model_max_length for {@link Padding#MAX_LENGTH}.
     */
    public long[] encode(String text, Padding padding) {
        return encode(text, padding, modelMaxLength);
    }

    /**
     * {@link #encode(String, Padding)} with another max_length (SD3's pipeline uses the first tokenizer's
     * model_max_length for both CLIP tokenizers).
     */
    public long[] encode(String text, Padding padding, int maxLength) {
        if (maxLength < 2) throw new IllegalArgumentException("max_length " + maxLength + " leaves no room for BOS and EOS");
        List<String> tokens = tokenize(text);
        int keep = Math.min(tokens.size(), maxLength - 2);
        int length = padding == Padding.MAX_LENGTH ? Math.max(keep + 2, maxLength) : keep + 2;
        if (padding == Padding.MAX_LENGTH && padId == null && length > keep + 2) {
            throw new IllegalStateException(dir + ": padding to max_length needs a pad_token");
        }
        long[] ids = new long[length];
        ids[0] = bosId;
        for (int i = 0; i < keep; i++) ids[i + 1] = tokenId(tokens.get(i));
        ids[keep + 1] = eosId;
        for (int i = keep + 2; i < length; i++) ids[i] = padId;
        return ids;
    }

    private int tokenId(String token) {
        Integer id = vocab.get(token);
        if (id != null) return id;
        if (unkId == null) throw new IllegalStateException(dir + ": token '" + token + "' is not in the vocabulary and there is no unk_token");
        return unkId;
    }

    /** The BPE tokens of {@code text}, without BOS/EOS (transformers' {@code tokenize}). */
    public List<String> tokenize(String text) {
        List<String> out = new ArrayList<>();
        for (String[] chunk : splitOnSpecialTokens(text)) {
            if (chunk[1] != null) {
                out.add(chunk[1]);
            } else if (!chunk[0].isEmpty()) {
                bpeTokens(chunk[0], out);
            }
        }
        return out;
    }

    /**
     * The text cut at each occurrence of a special token (leftmost, longest first), as pairs {text, null} or
     * {null, token}; a token's lstrip / rstrip strips the whitespace of its neighbours.
     */
    private List<String[]> splitOnSpecialTokens(String text) {
        List<String[]> parts = new ArrayList<>();
        List<SpecialToken> kinds = new ArrayList<>();
        int start = 0, i = 0;
        while (i < text.length()) {
            SpecialToken match = null;
            for (SpecialToken t : specialTokens) {
                if (text.startsWith(t.content(), i)) {
                    match = t;
                    break;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            parts.add(new String[] {text.substring(start, i), null});
            kinds.add(null);
            parts.add(new String[] {null, match.content()});
            kinds.add(match);
            i += match.content().length();
            start = i;
        }
        parts.add(new String[] {text.substring(start), null});
        kinds.add(null);
        for (int k = 0; k < parts.size(); k++) {
            SpecialToken t = kinds.get(k);
            if (t == null) continue;
            if (t.lstrip()) parts.get(k - 1)[0] = stripPy(parts.get(k - 1)[0], false, true);
            if (t.rstrip()) parts.get(k + 1)[0] = stripPy(parts.get(k + 1)[0], true, false);
        }
        return parts;
    }

    /** Python's str.lstrip()/rstrip() (Unicode whitespace). */
    private static String stripPy(String s, boolean left, boolean right) {
        int b = 0, e = s.length();
        while (left && b < e && isPythonSpace(s.codePointAt(b))) b += Character.charCount(s.codePointAt(b));
        while (right && e > b && isPythonSpace(s.codePointBefore(e))) e -= Character.charCount(s.codePointBefore(e));
        return s.substring(b, e);
    }

    /** CLIPTokenizer._tokenize: normalise, pre-tokenize, map bytes, apply BPE. */
    private void bpeTokens(String text, List<String> out) {
        Matcher m = PRE_TOKENIZER.matcher(String.join(" ", basicTokenize(text)));
        while (m.find()) {
            StringBuilder mapped = new StringBuilder();
            for (byte b : m.group().getBytes(StandardCharsets.UTF_8)) mapped.append(BYTE_ENCODER[b & 0xff]);
            out.addAll(Arrays.asList(bpe(mapped.toString()).split(" ")));
        }
    }

    /**
     * transformers' BasicTokenizer(strip_accents=False, do_split_on_punc=False) — the normaliser CLIPTokenizer uses when
     * ftfy is not installed: drop NUL, U+FFFD and control/format characters, turn whitespace into spaces, space out CJK
     * ideographs, NFC, split on whitespace, lower-case each word.
     */
    static List<String> basicTokenize(String text) {
        StringBuilder clean = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> {
            if (cp == 0 || cp == 0xFFFD || isControl(cp)) return;
            if (cp == ' ' || cp == '\t' || cp == '\n' || cp == '\r' || Character.getType(cp) == Character.SPACE_SEPARATOR) {
                clean.append(' ');
            } else if (isCjk(cp)) {
                clean.append(' ').appendCodePoint(cp).append(' ');
            } else {
                clean.appendCodePoint(cp);
            }
        });
        String normalized = Normalizer.normalize(clean, Normalizer.Form.NFC);
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        normalized.codePoints().forEach(cp -> {
            if (isPythonSpace(cp)) {
                if (!word.isEmpty()) words.add(word.toString().toLowerCase(Locale.ROOT));
                word.setLength(0);
            } else {
                word.appendCodePoint(cp);
            }
        });
        if (!word.isEmpty()) words.add(word.toString().toLowerCase(Locale.ROOT));
        return words;
    }

    /** transformers' _is_control: Unicode category C*, except tab, newline and carriage return. */
    private static boolean isControl(int cp) {
        if (cp == '\t' || cp == '\n' || cp == '\r') return false;
        int t = Character.getType(cp);
        return t == Character.CONTROL || t == Character.FORMAT || t == Character.PRIVATE_USE || t == Character.SURROGATE
                || t == Character.UNASSIGNED;
    }

    /** Python's str.isspace (what str.split() splits on). */
    private static boolean isPythonSpace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 || cp == 0x2028 || cp == 0x2029
                || Character.getType(cp) == Character.SPACE_SEPARATOR;
    }

    /** BasicTokenizer's "Chinese character" blocks (CJK Unified Ideographs and extensions, compatibility ideographs). */
    private static boolean isCjk(int cp) {
        return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) || (cp >= 0x20000 && cp <= 0x2A6DF)
                || (cp >= 0x2A700 && cp <= 0x2B73F) || (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF)
                || (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
    }

    /**
     * BPE of one pre-token (already in the byte alphabet): symbols = its characters with {@code </w>} on the last; the
     * adjacent pair of lowest merge rank is merged everywhere (left to right, non-overlapping) until no pair has a rank.
     * Returns the symbols joined by spaces.
     */
    String bpe(String token) {
        String cached = cache.get(token);
        if (cached != null) return cached;
        List<String> word = new ArrayList<>();
        token.codePoints().forEach(cp -> word.add(new String(Character.toChars(cp))));
        word.set(word.size() - 1, word.get(word.size() - 1) + "</w>");
        List<String> w = word;
        while (w.size() > 1) {
            String best = null;
            int bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < w.size(); i++) {
                Integer r = bpeRanks.get(w.get(i) + " " + w.get(i + 1));
                if (r != null && r < bestRank) {
                    bestRank = r;
                    best = w.get(i) + " " + w.get(i + 1);
                }
            }
            if (best == null) break;
            int sp = best.indexOf(' ');
            String first = best.substring(0, sp), second = best.substring(sp + 1);
            List<String> merged = new ArrayList<>(w.size());
            for (int i = 0; i < w.size(); ) {
                if (i + 1 < w.size() && w.get(i).equals(first) && w.get(i + 1).equals(second)) {
                    merged.add(first + second);
                    i += 2;
                } else {
                    merged.add(w.get(i));
                    i++;
                }
            }
            w = merged;
        }
        String result = String.join(" ", w);
        cache.put(token, result);
        return result;
    }

    public int bosTokenId() {
        return bosId;
    }

    public int eosTokenId() {
        return eosId;
    }

    /** The pad token's id, or -1 when the tokenizer has none. */
    public int padTokenId() {
        return padId == null ? -1 : padId;
    }

    public int modelMaxLength() {
        return modelMaxLength;
    }
}
