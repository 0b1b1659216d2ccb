package io.prism.engine.diffusers;

import ai.djl.ndarray.NDManager;
import io.prism.engine.Engines;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;

/**
 * Base of the model tests that run inference: one PyTorch thread, a root manager per class, a fresh sub-manager per
 * test (closed after it, so a test's arrays never leak into the next), autograd off during each test.
 */
public abstract class InferenceTest {
    protected static NDManager root;
    protected NDManager manager;
    private boolean gradBefore;

    @BeforeAll
    static void engine() {
        root = Engines.pytorch(1).newBaseManager();
    }

    @AfterAll
    static void closeEngine() {
        root.close();
    }

    @BeforeEach
    void inference() {
        gradBefore = Engines.gradMode(false);
        manager = root.newSubManager();
    }

    @AfterEach
    void release() {
        manager.close();
        Engines.gradMode(gradBefore);
    }
}
