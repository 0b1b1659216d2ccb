package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import io.prism.engine.Engines;
import io.prism.engine.diffusers.InvalidCheckpointException;
import io.prism.engine.diffusers.MarigoldReference;
import io.prism.engine.diffusers.SafetensorsFile;
import io.prism.engine.model.FloatTensor;
import io.prism.engine.model.Safetensors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

import static io.prism.engine.diffusers.MarigoldReference.maxAbsDiff;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EmptyPromptEmbeddingTest {
    static NDManager manager;

    @BeforeAll
    static void engine() {
        manager = Engines.pytorch(1).newBaseManager();
    }

    @AfterAll
    static void close() {
        manager.close();
    }

    @Test
    void isThePipelinesCachedEmptyTextEmbedding() {
        try (NDManager m = manager.newSubManager()) {
            NDArray e = EmptyPromptEmbedding.compute(MarigoldReference.tinyIid(), m);
            assertThat(e.getManager()).isSameAs(m);
            assertThat(maxAbsDiff(e, MarigoldReference.open("text.safetensors"), "last_hidden_state")).isLessThan(1e-6);
            assertThat(maxAbsDiff(e, MarigoldReference.open("pipeline_s1_e1_intermediates.safetensors"), "empty_text_embedding"))
                    .isLessThan(1e-6);
        }
    }

    @Test
    void savedFileHoldsOneTensorAndLoadsBackBitForBit(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("empty_prompt_embeds.safetensors");
        try (NDManager m = manager.newSubManager()) {
            NDArray e = EmptyPromptEmbedding.compute(MarigoldReference.tinyIid(), m);
            EmptyPromptEmbedding.save(e, file);
            SafetensorsFile f = SafetensorsFile.open(file);
            assertThat(f.entries().keySet()).containsExactly("prompt_embeds");
            assertThat(f.entry("prompt_embeds").dtype()).isEqualTo("F32");
            NDArray back = EmptyPromptEmbedding.load(file, m);
            assertThat(back.getShape()).isEqualTo(e.getShape());
            assertThat(back.toFloatArray()).containsExactly(e.toFloatArray());
        }
    }

    @Test
    void loadRefusesAFileWithoutTheEmbeddingNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("other.safetensors");
        Safetensors.write(file, Map.of("latents", new FloatTensor(new long[] {1, 2, 3}, new float[6])), Map.of());
        try (NDManager m = manager.newSubManager()) {
            assertThatThrownBy(() -> EmptyPromptEmbedding.load(file, m)).isInstanceOf(InvalidCheckpointException.class)
                    .hasMessageContaining("other.safetensors").hasMessageContaining("prompt_embeds");
        }
    }

    @Test
    void sd3ConditioningIsEncodePromptOfTheEmptyPromptWithoutT5() {
        Path sd3 = CLIPTokenizerTest.sd3Dir();
        SafetensorsFile text = SafetensorsFile.open(sd3.resolve("text.safetensors"));
        try (NDManager m = manager.newSubManager()) {
            EmptyPromptEmbedding.SD3 c = EmptyPromptEmbedding.computeSd3(sd3.resolve("tiny-transparency"), null, 77, m);
            assertThat(maxAbsDiff(c.promptEmbeds(), text, "prompt_embeds")).isLessThan(1e-6);
            assertThat(maxAbsDiff(c.pooledPromptEmbeds(), text, "pooled_prompt_embeds")).isLessThan(1e-6);
            assertThat(c.promptEmbeds().getManager()).isSameAs(m);
        }
    }

    @Test
    void sd3FileHoldsBothTensorsAndLoadsBackBitForBit(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("empty_prompt_embeds.safetensors");
        try (NDManager m = manager.newSubManager()) {
            EmptyPromptEmbedding.SD3 c = EmptyPromptEmbedding.computeSd3(CLIPTokenizerTest.sd3Dir().resolve("tiny-transparency"), null, 77, m);
            EmptyPromptEmbedding.saveSd3(c, file);
            EmptyPromptEmbedding.SD3 back = EmptyPromptEmbedding.loadSd3(file, m);
            assertThat(back.promptEmbeds().getShape().getShape()).containsExactly(1, 154, 32);
            assertThat(back.promptEmbeds().toFloatArray()).containsExactly(c.promptEmbeds().toFloatArray());
            assertThat(back.pooledPromptEmbeds().toFloatArray()).containsExactly(c.pooledPromptEmbeds().toFloatArray());
            assertThatThrownBy(() -> EmptyPromptEmbedding.load(file, m)).hasMessageContaining("exactly one tensor");
        }
    }
}
