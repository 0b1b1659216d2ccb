package io.prism.engine.diffusers.transformers;

import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.diffusers.SafetensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.prism.engine.diffusers.transformers.CLIPTokenizer.Padding.DO_NOT_PAD;
import static io.prism.engine.diffusers.transformers.CLIPTokenizer.Padding.MAX_LENGTH;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CLIPTokenizerTest {
    static CLIPTokenizer tiny() {
        return CLIPTokenizer.load(MarigoldReference.tinyIid().resolve("tokenizer"));
    }

    @Test
    void emptyPromptIsBosThenEosLookedUpFromTheVocabulary() {
        CLIPTokenizer t = tiny();
        assertThat(t.encode("", DO_NOT_PAD)).containsExactly(998, 999);
        assertThat(t.encode("", DO_NOT_PAD)).containsExactly(MarigoldReference.open("text.safetensors").longs("input_ids"));
        assertThat(t.bosTokenId()).isEqualTo(998);
        assertThat(t.eosTokenId()).isEqualTo(999);
        assertThat(t.modelMaxLength()).isEqualTo(77);
    }

    @Test
    void promptTokenisesExactlyAsTransformers() {
        long[] expected = MarigoldReference.open("text.safetensors").longs("prompt_input_ids");
        assertThat(tiny().encode("a photo of a marigold flower", DO_NOT_PAD)).containsExactly(expected);
    }

    @Test
    void normalisesCaseAndWhitespaceBeforeBpe() {
        CLIPTokenizer t = tiny();
        long[] plain = t.encode("a photo of a marigold flower", DO_NOT_PAD);
        assertThat(t.encode("  A PHOTO\tof a\n\nMarigold   Flower ", DO_NOT_PAD)).containsExactly(plain);
        assertThat(t.encode("a\u0000 photo\u200b of a marigold flower", DO_NOT_PAD)).containsExactly(plain);   // NUL and ZWSP (Cf) dropped
    }

    @Test
    void bpeMarksWordEndsAndMergesByRank() {
        CLIPTokenizer t = tiny();
        // "the" is a whole word of the tiny vocabulary; a single character becomes "<char></w>"
        assertThat(t.tokenize("the")).containsExactly("the</w>");
        assertThat(t.tokenize("a")).containsExactly("a</w>");
        // digits are pre-tokenized one by one, punctuation runs stay together, "'s" is split off
        assertThat(t.tokenize("42")).containsExactly("4</w>", "2</w>");
        assertThat(t.tokenize("fox's")).containsExactly("fox</w>", "'", "s</w>");   // "'s" has no merge in the tiny vocabulary
        // non-ASCII bytes go through GPT-2's byte alphabet: é = C3 A9 → "Ã" + "©</w>"
        assertThat(t.tokenize("é")).containsExactly("Ã", "©</w>");
    }

    @Test
    void specialTokensWrittenInTheTextStayWhole() {
        CLIPTokenizer t = tiny();
        assertThat(t.tokenize("the<|endoftext|>the")).containsExactly("the</w>", "<|endoftext|>", "the</w>");
        assertThat(t.encode("<|startoftext|>", DO_NOT_PAD)).containsExactly(998, 998, 999);
    }

    @Test
    void padsToModelMaxLengthWithThePadToken() {
        long[] ids = tiny().encode("", MAX_LENGTH);
        assertThat(ids).hasSize(77);
        assertThat(ids[0]).isEqualTo(998);
        for (int i = 1; i < 77; i++) assertThat(ids[i]).isEqualTo(999);   // SD2-style pad token = <|endoftext|>
    }

    @Test
    void sd3TokenizersPadWithTheirOwnPadTokens() {
        Path sd3 = sd3Dir();
        SafetensorsFile text = SafetensorsFile.open(sd3.resolve("text.safetensors"));
        assertThat(CLIPTokenizer.load(sd3.resolve("tiny-transparency/tokenizer")).encode("", MAX_LENGTH))
                .containsExactly(text.longs("clip_l_input_ids"));
        CLIPTokenizer g = CLIPTokenizer.load(sd3.resolve("tiny-transparency/tokenizer_2"));
        assertThat(g.encode("", MAX_LENGTH)).containsExactly(text.longs("clip_g_input_ids"));
        assertThat(g.padTokenId()).isZero();                                  // "!"
        // the pad token is a special token: "!" in a prompt is split off as id 0, not BPE'd to "!</w>"
        assertThat(g.tokenize("the!")).containsExactly("the</w>", "!");
        assertThat(CLIPTokenizer.load(sd3.resolve("tiny-transparency/tokenizer")).tokenize("the!")).containsExactly("the</w>", "!</w>");
    }

    @Test
    void truncatesToModelMaxLengthKeepingEos() {
        String longText = String.join(" ", java.util.Collections.nCopies(100, "the"));
        CLIPTokenizer t = tiny();
        long the = t.encode("the", DO_NOT_PAD)[1];
        for (CLIPTokenizer.Padding p : List.of(DO_NOT_PAD, MAX_LENGTH)) {
            long[] ids = t.encode(longText, p);
            assertThat(ids).hasSize(77);
            assertThat(ids[0]).isEqualTo(998);
            assertThat(ids[75]).isEqualTo(the);
            assertThat(ids[76]).isEqualTo(999);
        }
    }

    @Test
    void refusesAMissingVocabularyOrModelMaxLengthNamingTheFile(@TempDir Path dir) throws IOException {
        Path src = MarigoldReference.tinyIid().resolve("tokenizer");
        Files.copy(src.resolve("merges.txt"), dir.resolve("merges.txt"));
        assertThatThrownBy(() -> CLIPTokenizer.load(dir)).isInstanceOf(InvalidCheckpointException.class).hasMessageContaining("vocab.json");
        Files.copy(src.resolve("vocab.json"), dir.resolve("vocab.json"));
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|startoftext|>\"}");
        assertThatThrownBy(() -> CLIPTokenizer.load(dir)).hasMessageContaining("tokenizer_config.json").hasMessageContaining("model_max_length");
        Files.writeString(dir.resolve("tokenizer_config.json"), "{\"bos_token\": \"<|begin|>\", \"model_max_length\": 77}");
        assertThatThrownBy(() -> CLIPTokenizer.load(dir)).hasMessageContaining("vocab.json").hasMessageContaining("<|begin|>");
    }

    static Path sd3Dir() {
        Path dir = MarigoldReference.dir().resolveSibling("sd3-reference");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isDirectory(dir), "SD3 reference fixtures not found at " + dir);
        return dir;
    }
}
