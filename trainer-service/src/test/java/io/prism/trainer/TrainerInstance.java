package io.prism.trainer;

import io.prism.platform.config.PlatformConfig;
import io.prism.platform.service.ServiceContext;
import io.prism.trainer.db.TrainingPairRepository;
import io.prism.trainer.db.TrainingRunRepository;
import io.vertx.core.Vertx;
import java.util.Map;

/** One trainer-service instance in this JVM, deployed exactly as {@code prism serve trainer-service} does. */
final class TrainerInstance implements AutoCloseable {
    final Vertx vertx;
    final ServiceContext context;
    final TrainerService service;
    final TrainingRunRepository runs;
    final TrainingPairRepository pairs;
    private final DeployedService<TrainerService> deployed;

    private TrainerInstance(DeployedService<TrainerService> deployed) {
        this.deployed = deployed;
        this.vertx = deployed.vertx;
        this.context = deployed.context;
        this.service = deployed.service;
        this.runs = context.database().repository(TrainingRunRepository.class);
        this.pairs = context.database().repository(TrainingPairRepository.class);
    }

    /** Starts against the database and blob root of {@code shared}, with this instance's own environment. */
    static TrainerInstance start(PlatformConfig shared, Map<String, String> env) throws Exception {
        return new TrainerInstance(DeployedService.start(new TrainerService(), shared, env));
    }

    @Override
    public void close() throws Exception {
        deployed.close();
    }
}
