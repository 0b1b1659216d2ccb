package io.prism.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The source scan on a made-up two-module tree: what counts as a variable, a default, and whose it is. */
class CodeFactsTest {
    @TempDir
    Path repo;

    @Test
    void variablesBelongToTheirModuleAndDefaultsComeOnlyFromEnvReads() throws Exception {
        Files.writeString(repo.resolve("pom.xml"), "<modules><module>platform</module><module>gpu-worker</module></modules>");
        write("platform/src/main/java/p/Config.java", "env.str(\"PRISM_KAFKA_BOOTSTRAP\", \"localhost:9092\");");
        write("gpu-worker/src/main/java/w/bench/Bench.java", "vars.put(\"PRISM_WORKER_PORT\", \"0\"); String prefix = \"PRISM_WORKER_\";");
        write("gpu-worker/src/main/java/w/WorkerConfig.java",
                "env.integer(\"PRISM_WORKER_PORT\", 8_084); env.str(\"PRISM_WORKER_GROUP\", \"prism-gpu-worker\"); topic(\"prism.frames.v1\");");
        write("gpu-worker/src/test/java/w/T.java", "env.put(\"PRISM_ONLY_IN_TESTS\", \"1\");");

        CodeFacts facts = CodeFacts.scan(repo);
        assertThat(facts.hasConfig("gpu-worker")).isTrue();
        assertThat(facts.hasConfig("results-api")).as("module not there yet").isFalse();
        assertThat(facts.variablesReadBy("gpu-worker")).containsExactlyInAnyOrder(
                "PRISM_KAFKA_BOOTSTRAP", "PRISM_WORKER_PORT", "PRISM_WORKER_GROUP");
        assertThat(facts.variablesReadBy("results-api")).containsExactly("PRISM_KAFKA_BOOTSTRAP");
        assertThat(facts.portDefaults("gpu-worker")).containsExactly(java.util.Map.entry("PRISM_WORKER_PORT", 8084));
        assertThat(facts.defaultOf("gpu-worker", "PRISM_WORKER_GROUP")).contains("prism-gpu-worker");
        assertThat(facts.defaultOf("gpu-worker", "PRISM_KAFKA_BOOTSTRAP")).contains("localhost:9092");
        assertThat(facts.topicNames()).containsExactly("prism.frames.v1");
        assertThat(facts.allVariables()).doesNotContain("PRISM_ONLY_IN_TESTS", "PRISM_WORKER_");
    }

    private void write(String path, String body) throws Exception {
        Path f = repo.resolve(path);
        Files.createDirectories(f.getParent());
        Files.writeString(f, "class X { void m() { " + body + " } }");
    }
}
