package io.prism.launcher;

import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code prism serve <service>...}: run services as their own process against the configured Kafka and PostgreSQL. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run one service (ingest-service, gpu-worker, trainer-service, results-api) against PRISM_KAFKA_BOOTSTRAP / PRISM_JDBC_URL.")
final class ServeCommand implements Callable<Integer> {
    private static volatile boolean running;

    @Parameters(arity = "1..*", paramLabel = "SERVICE")
    List<String> services;

    static boolean keepsRunning() {
        return running;
    }

    @Override
    public Integer call() throws Exception {
        PlatformConfig config = PlatformConfig.from(Env.system());
        PrismRuntime rt = PrismRuntime.start(config, services);
        Runtime.getRuntime().addShutdownHook(new Thread(rt::close, "prism-stop"));
        running = true;
        System.out.println("Serving " + services + " (Kafka " + config.kafkaBootstrap() + ", PostgreSQL " + config.jdbcUrl() + "). Ctrl-C to stop.");
        return 0;
    }
}
