package io.prism.trainer;

import io.prism.platform.health.Health;
import io.prism.platform.outbox.OutboxRelay;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.service.PrismService;
import io.prism.platform.service.ServiceContext;
import io.prism.platform.topics.TopicAdmin;
import io.prism.trainer.admin.AdminHttpVerticle;
import io.prism.platform.auth.ApiTokens;
import io.prism.trainer.dataset.PairConsumerVerticle;
import io.prism.trainer.db.TrainingPairRepository;
import io.prism.trainer.db.TrainingRunRepository;
import io.prism.trainer.dataset.PairIntake;
import io.prism.trainer.engine.EngineModelEvaluator;
import io.prism.trainer.engine.EngineModelTrainer;
import io.prism.trainer.engine.SimulatorGuardSet;
import io.prism.trainer.policy.RunSchedulerVerticle;
import io.prism.trainer.run.GuardSet;
import io.prism.trainer.run.PairLoader;
import io.prism.trainer.run.RunExecutor;
import io.vertx.core.Future;
import io.vertx.core.Verticle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The trainer service: continuous fine-tuning from production ground truth with gated rollout. Verticles, one job
 * each: {@link PairConsumerVerticle} (pairs into PostgreSQL), {@link RunSchedulerVerticle} (policy, lease, runs),
 * {@link AdminHttpVerticle} (health, metrics, model admin) and an {@link OutboxRelay} (registry events to
 * {@code prism.models.v1}). Configured by {@link TrainerConfig}.
 */
public final class TrainerService implements PrismService {
    private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);
    public static final String NAME = "trainer-service";

    private final List<String> deployments = new ArrayList<>();
    private ServiceContext context;
    private TrainerConfig config;
    private RunExecutor executor;
    private AdminHttpVerticle http;
    private ModelRegistry registry;

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public Future<Void> deploy(ServiceContext ctx) {
        this.context = ctx;
        return ctx.vertx().executeBlocking(() -> {
            config = TrainerConfig.from(ctx.env(), ctx.config().dataDir());
            Files.createDirectories(config.runsDir());
            TopicAdmin.ensureTopics(ctx.config().kafkaBootstrap());
            registry = new ModelRegistry(ctx.database(), ctx.blobs());
            for (String task : config.tasks()) {
                Path shipped = config.modelsDir().resolve(task + "-v1");
                if (Files.isRegularFile(shipped.resolve("model.json"))) {
                    registry.bootstrap(task, shipped);
                } else if (registry.active(task).isEmpty()) {
                    LOG.warn("event=trainer-no-model task={} reason=\"no active version and no shipped default at {}\"", task, shipped);
                }
            }
            TrainerMetrics metrics = new TrainerMetrics(ctx.meters(), config.tasks());
            List<GuardSet> guards = config.guard().frames() > 0 ? List.of(SimulatorGuardSet.guard(config.guard())) : List.of();
            List<GuardSet> replay = config.guard().replayFrames() > 0 ? List.of(SimulatorGuardSet.replay(config.guard())) : List.of();
            executor = new RunExecutor(config, ctx.database(), registry, new PairLoader(ctx.blobs()), new EngineModelTrainer(),
                    new EngineModelEvaluator("cpu"), guards, replay, metrics);
            PairConsumerVerticle consumer = new PairConsumerVerticle(new PairIntake(ctx.database().repository(TrainingPairRepository.class), ctx.blobs()), ctx.config().kafkaBootstrap(),
                    config.consumerGroup(), metrics);
            Health health = ctx.health().check("pairs-consumer", consumer::polling);
            http = new AdminHttpVerticle(config.httpHost(), config.httpPort(), ApiTokens.parse(config.tokens()), registry,
                    ctx.database().repository(TrainingRunRepository.class), ctx.database().repository(TrainingPairRepository.class),
                    config.holdoutFraction(), health, ctx.meters());
            if (TrainerConfig.DEV_TOKENS.equals(config.tokens())) {
                LOG.warn("event=trainer-dev-token reason=\"PRISM_TOKENS is the development default; set real tokens in production\"");
            }
            return List.<Verticle>of(consumer, new RunSchedulerVerticle(executor, config.tasks(), config.policyInterval()), http,
                    new OutboxRelay(ctx.database(), ctx.config().kafkaBootstrap(), ctx.meters()));
        }).compose(verticles -> {
            Future<Void> chain = Future.succeededFuture();
            for (Verticle v : verticles) {
                chain = chain.compose(x -> ctx.vertx().deployVerticle(v).map(id -> {
                    deployments.add(id);
                    return null;
                }));
            }
            return chain;
        }).onSuccess(x -> LOG.info("event=service-started service={} tasks={} instance={} port={}", NAME, config.tasks(),
                config.instance(), http.port()));
    }

    @Override
    public Future<Void> undeploy() {
        Future<Void> chain = Future.succeededFuture();
        for (int i = deployments.size() - 1; i >= 0; i--) {
            String id = deployments.get(i);
            chain = chain.compose(x -> context.vertx().undeploy(id).recover(e -> Future.succeededFuture()));
        }
        deployments.clear();
        return chain;
    }

    /**
     * Stops this instance as a crash would (for fault tests and emergencies): the current run stops at its next
     * step, its row stays {@code running} and its lease is kept until it expires — then any instance resumes it.
     */
    public void halt() {
        if (executor != null) executor.halt();
    }

    public TrainerConfig config() {
        return config;
    }

    public ModelRegistry registry() {
        return registry;
    }

    public RunExecutor executor() {
        return executor;
    }

    /** The admin HTTP port actually bound. */
    public int httpPort() {
        return http.port();
    }
}
