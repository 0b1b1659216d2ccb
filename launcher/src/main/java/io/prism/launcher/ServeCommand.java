package io.prism.launcher;

import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code prism serve <service>...}: run services as their own process against the configured Kafka and PostgreSQL.
 * A service with an API (ingest-service, results-api, trainer-service) refuses to start without {@code PRISM_TOKENS}:
 * the well-known development token belongs to the all-in-one {@code prism demo} / {@code prism infra} set-up only,
 * never to a service process that someone forgot to configure.
 */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = "Run one service (ingest-service, gpu-worker, trainer-service, results-api) against PRISM_KAFKA_BOOTSTRAP / PRISM_JDBC_URL.")
final class ServeCommand implements Callable<Integer> {
    /** Services that answer API requests and so need {@code PRISM_TOKENS}. */
    static final Set<String> SERVICES_WITH_API = Set.of("ingest-service", "results-api", "trainer-service");
    private static volatile boolean running;

    @Parameters(arity = "1..*", paramLabel = "SERVICE")
    List<String> services;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    static boolean keepsRunning() {
        return running;
    }

    /** Why these services must not start with this environment (one line), or empty. */
    static Optional<String> refusal(Env env, List<String> services) {
        List<String> withApi = services.stream().filter(SERVICES_WITH_API::contains).toList();
        if (!withApi.isEmpty() && env.str("PRISM_TOKENS", null) == null) {
            return Optional.of("prism serve " + String.join(" ", withApi) + ": PRISM_TOKENS is not set; give API tokens "
                    + "(name:secret:scope+scope,...) — the development token is only for prism demo / prism infra");
        }
        return Optional.empty();
    }

    @Override
    public Integer call() throws Exception {
        Env env = Env.system();
        Optional<String> refused = refusal(env, services);
        if (refused.isPresent()) {
            spec.commandLine().getErr().println(refused.get());
            spec.commandLine().getErr().flush();
            return 2;
        }
        PlatformConfig config = PlatformConfig.from(env);
        PrismRuntime rt = PrismRuntime.start(config, services);
        Runtime.getRuntime().addShutdownHook(new Thread(rt::close, "prism-stop"));
        running = true;
        System.out.println("Serving " + services + " (Kafka " + config.kafkaBootstrap() + ", PostgreSQL " + config.jdbcUrl() + "). Ctrl-C to stop.");
        return 0;
    }
}
