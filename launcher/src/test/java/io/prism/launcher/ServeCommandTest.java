package io.prism.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.platform.config.Env;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code prism serve} never falls back to the well-known development token. */
class ServeCommandTest {

    @Test
    void serviceWithAnApiRefusesToStartWithoutTokensInOneLine() {
        assumeTrue(System.getenv("PRISM_TOKENS") == null && System.getProperty("PRISM_TOKENS") == null, "PRISM_TOKENS is set here");
        StringWriter err = new StringWriter();
        var cli = PrismCli.commandLine();
        cli.setErr(new PrintWriter(err));
        // Refused before anything connects: no broker or database runs for this test.
        int code = cli.execute("serve", "ingest-service");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString().strip()).doesNotContain("\n")
                .contains("ingest-service").contains("PRISM_TOKENS is not set").contains("prism demo / prism infra");
    }

    @Test
    void everyServiceWithAnApiNeedsTokensTheWorkerDoesNot() {
        Env none = new Env(Map.of());
        for (String s : List.of("ingest-service", "results-api", "trainer-service")) {
            assertThat(ServeCommand.refusal(none, List.of(s))).as(s).isPresent();
        }
        assertThat(ServeCommand.refusal(none, List.of("gpu-worker"))).isEmpty();
        assertThat(ServeCommand.refusal(none, List.of("gpu-worker", "results-api")).orElseThrow()).contains("results-api").doesNotContain("gpu-worker");
        assertThat(ServeCommand.refusal(new Env(Map.of("PRISM_TOKENS", "ops:0123456789abcdef:admin")), List.of("results-api"))).isEmpty();
        assertThat(ServeCommand.refusal(new Env(Map.of("PRISM_TOKENS", " ")), List.of("results-api"))).as("blank is unset").isPresent();
    }
}
