package io.prism.engine.diffusers.transformers;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.core.Embedding;
import io.prism.engine.diffusers.StateDict;

/**
 * transformers' CLIPTextEmbeddings: token embedding + learned absolute position embedding of positions 0 … L−1.
 * Weights {@code token_embedding.weight} (vocab, hidden), {@code position_embedding.weight} (max_positions, hidden).
 * Older checkpoints also hold the {@code position_ids} buffer (always 0 … max−1); it is accepted and not used.
 */
public final class CLIPTextEmbeddings {
    private final NDArray tokenEmbedding;
    private final NDArray positionEmbedding;
    private final int vocabSize;
    private final int maxPositions;

    public CLIPTextEmbeddings(StateDict sd, String prefix, CLIPTextConfig config) {
        this.vocabSize = config.vocabSize();
        this.maxPositions = config.maxPositionEmbeddings();
        this.tokenEmbedding = sd.get(prefix + ".token_embedding.weight", vocabSize, config.hiddenSize());
        this.positionEmbedding = sd.get(prefix + ".position_embedding.weight", maxPositions, config.hiddenSize());
        sd.skip(prefix + ".position_ids");
    }

    /** input ids (B, L) int64 → (B, L, hidden). The lookups' results belong to the ids' manager, not the weights'. */
    public NDArray forward(NDArray inputIds) {
        long length = inputIds.getShape().get(1);
        if (length > maxPositions) {
            throw new IllegalArgumentException(length + " tokens exceed max_position_embeddings " + maxPositions);
        }
        long[] ids = inputIds.toLongArray();
        for (long id : ids) {
            if (id < 0 || id >= vocabSize) throw new IllegalArgumentException("token id " + id + " outside the vocabulary of " + vocabSize);
        }
        NDArray positionIds = inputIds.getManager().arange(0, length, 1, DataType.INT64).reshape(1, length);
        NDArray tokens = Embedding.embedding(inputIds, tokenEmbedding, SparseFormat.DENSE).singletonOrThrow();
        NDArray positions = Embedding.embedding(positionIds, positionEmbedding, SparseFormat.DENSE).singletonOrThrow();
        return tokens.add(positions);
    }
}
