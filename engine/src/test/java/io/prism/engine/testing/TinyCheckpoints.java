package io.prism.engine.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The tiny reference checkpoints as other modules' tests use them (engine's test-jar): a copy of a diffusers folder
 * whose model_index.json states the size it is served and trained at — the tiny SD3 transparency checkpoint at the
 * reference's 1024 px would take minutes per frame on a CPU.
 */
public final class TinyCheckpoints {
    private TinyCheckpoints() {}

    /** Copies {@code folder} to {@code to} with {@code default_processing_resolution} set to {@code resolution}; returns {@code to}. */
    public static Path servedAt(Path folder, int resolution, Path to) throws IOException {
        try (var files = Files.walk(folder)) {
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                Files.createDirectories(to.resolve(folder.relativize(f)).getParent());
                Files.copy(f, to.resolve(folder.relativize(f)));
            }
        }
        ObjectMapper json = new ObjectMapper();
        ObjectNode index = (ObjectNode) json.readTree(to.resolve("model_index.json").toFile());
        json.writeValue(to.resolve("model_index.json").toFile(), index.put("default_processing_resolution", resolution));
        return to;
    }
}
