package io.prism.engine.train;

import java.io.IOException;
import java.util.List;

/** A finite, indexable set of training pairs (a folder of EXR files, or pairs handed over in memory). */
public interface PairDataset {
    int size();

    TrainingPair get(int index) throws IOException;

    /** What the data is, for the training record in model.json. */
    String describe();

    static PairDataset of(List<TrainingPair> pairs, String description) {
        List<TrainingPair> copy = List.copyOf(pairs);
        return new PairDataset() {
            @Override
            public int size() {
                return copy.size();
            }

            @Override
            public TrainingPair get(int index) {
                return copy.get(index);
            }

            @Override
            public String describe() {
                return description;
            }
        };
    }
}
