package io.prism.launcher;

import io.prism.platform.config.PlatformConfig;
import io.prism.platform.service.PrismService;
import io.prism.platform.service.ServiceContext;
import io.prism.platform.topics.TopicAdmin;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one or more Prism services in this JVM against configured Kafka and PostgreSQL: {@code prism serve} runs one
 * per process (production), {@code prism demo} all four in one JVM — the same verticles either way.
 */
public final class PrismRuntime implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PrismRuntime.class);
    private final Vertx vertx;
    private final ServiceContext context;
    private final List<PrismService> deployed = new ArrayList<>();

    private PrismRuntime(Vertx vertx, ServiceContext context) {
        this.vertx = vertx;
        this.context = context;
    }

    /** Every service on the class path, by name. */
    public static Map<String, PrismService> available() {
        Map<String, PrismService> m = new TreeMap<>();
        for (PrismService s : ServiceLoader.load(PrismService.class)) {
            m.put(s.name(), s);
        }
        return m;
    }

    public static PrismRuntime start(PlatformConfig config, List<String> services) throws Exception {
        Map<String, PrismService> all = available();
        for (String s : services) {
            if (!all.containsKey(s)) {
                throw new IllegalArgumentException("unknown service '" + s + "'; available: " + all.keySet());
            }
        }
        TopicAdmin.ensureTopics(config.kafkaBootstrap());
        Vertx vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(Math.max(8, Runtime.getRuntime().availableProcessors() * 2))
                .setMaxWorkerExecuteTime(10).setMaxWorkerExecuteTimeUnit(TimeUnit.MINUTES)
                .setBlockedThreadCheckInterval(5).setBlockedThreadCheckIntervalUnit(TimeUnit.SECONDS));
        ServiceContext ctx = ServiceContext.open(vertx, config);
        PrismRuntime rt = new PrismRuntime(vertx, ctx);
        for (String s : services) {
            PrismService svc = all.get(s);
            svc.deploy(ctx).toCompletionStage().toCompletableFuture().get(5, TimeUnit.MINUTES);
            rt.deployed.add(svc);
            LOG.info("event=service-deployed service={}", s);
        }
        return rt;
    }

    public ServiceContext context() {
        return context;
    }

    public Vertx vertx() {
        return vertx;
    }

    @Override
    public void close() {
        for (int i = deployed.size() - 1; i >= 0; i--) {
            try {
                deployed.get(i).undeploy().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                LOG.warn("event=service-undeploy-failed service={} reason={}", deployed.get(i).name(), e.toString());
            }
        }
        try {
            vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("event=vertx-close-failed reason={}", e.toString());
        }
        context.close();
    }
}
