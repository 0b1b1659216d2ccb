package io.prism.results;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.prism.platform.infra.Infrastructure;
import io.prism.platform.testing.TestInfra;
import io.prism.results.bench.FramesBenchmark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code prism bench results} end to end on a tiny database (a few thousand rows, one-second wrk runs): it loads,
 * serves, drives wrk and psql, and prints the table with a row per query shape. Numbers are not asserted — the
 * benchmark reports them. Skipped without {@code wrk}.
 */
class FramesBenchmarkTest {

    @Test
    void benchmarkPrintsATableOfApiAgainstSqlForEveryQueryShape() throws Exception {
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/wrk")), "wrk is not installed (apt-get install -y wrk)");
        Infrastructure infra = TestInfra.shared();
        String url = TestInfra.freshDatabase(infra);
        PrintStream original = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int code;
        try {
            System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
            code = new CommandLine(new FramesBenchmark()).execute("--rows", "4000", "--jobs", "2", "--duration", "1", "--warmup", "1",
                    "--samples", "20", "--connections", "2", "--threads", "1", "--jdbc-url", url,
                    "--db-user", infra.dbUser(), "--db-password", infra.dbPassword());
        } finally {
            System.setOut(original);
        }
        String out = buf.toString(StandardCharsets.UTF_8);
        original.print(out);
        assertThat(code).isZero();
        assertThat(out).contains("loaded 4,").contains("API p50 ms").contains("SQL p50 ms").contains("p50 API/SQL")
                .contains("frames page (100 + results)").contains("failed frames page (status filter)").contains("one frame by number");
    }
}
