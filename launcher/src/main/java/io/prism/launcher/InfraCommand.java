package io.prism.launcher;

import io.prism.platform.auth.ApiTokens;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.infra.EmbeddedInfrastructure;
import io.prism.platform.topics.TopicAdmin;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code prism infra}: a real Kafka broker and PostgreSQL server in this JVM, until Ctrl-C. */
@Command(name = "infra", mixinStandardHelpOptions = true,
        description = "Start embedded Kafka (KRaft) and PostgreSQL 17, create topics and schema, print the settings, run until Ctrl-C.")
final class InfraCommand implements Callable<Integer> {
    @Option(names = "--dir", description = "data folder (default: $PRISM_DATA_DIR/infra, i.e. .prism/infra)")
    Path dir;

    @Option(names = "--kafka-port", defaultValue = "9092")
    int kafkaPort;

    @Option(names = "--pg-port", defaultValue = "5432")
    int pgPort;

    @Option(names = "--once", description = "start, print the settings and stop (a smoke test)")
    boolean once;

    @Override
    public Integer call() throws Exception {
        PlatformConfig config = PlatformConfig.from(Env.system());
        Path data = dir != null ? dir : config.dataDir().resolve("infra");
        long t0 = System.nanoTime();
        EmbeddedInfrastructure infra = new EmbeddedInfrastructure(data, kafkaPort, pgPort).start();
        TopicAdmin.ensureTopics(infra.kafkaBootstrapServers());
        Database.migrate(infra.jdbcUrl(), infra.dbUser(), infra.dbPassword());
        long ms = (System.nanoTime() - t0) / 1_000_000;
        System.out.printf("""
                Prism infrastructure is up in %d ms (data in %s)
                  export PRISM_KAFKA_BOOTSTRAP=%s
                  export PRISM_JDBC_URL=%s
                  export PRISM_DB_USER=%s
                  export PRISM_DB_PASSWORD=%s
                  export PRISM_TOKENS=%s   # development only: prism serve refuses to start without PRISM_TOKENS
                  psql: psql -h 127.0.0.1 -p %d -U %s %s
                """, ms, data.toAbsolutePath(), infra.kafkaBootstrapServers(), infra.jdbcUrl(), infra.dbUser(),
                infra.dbPassword(), ApiTokens.DEV_TOKENS, infra.postgres().port(), infra.dbUser(), "prism");
        if (once) {
            infra.close();
            return 0;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            infra.close();
            stop.countDown();
        }, "infra-stop"));
        System.out.println("Ctrl-C to stop.");
        stop.await();
        return 0;
    }
}
