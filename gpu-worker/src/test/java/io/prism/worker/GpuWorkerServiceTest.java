package io.prism.worker;

import static io.prism.platform.testing.TestKit.await;
import static io.prism.worker.WorkerTestKit.quietly;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.FrameSubmitted;
import io.prism.platform.service.PrismService;
import io.prism.platform.service.ServiceContext;
import io.prism.platform.testing.TestInfra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code prism serve gpu-worker} and the all-in-one runtime find the worker through the PrismService SPI and deploy it from the environment. */
class GpuWorkerServiceTest {
    @TempDir
    Path dir;

    @Test
    void theServiceIsFoundByNameDeploysFromTheEnvironmentAndProcessesFrames() throws Exception {
        PrismService service = ServiceLoader.load(PrismService.class).stream().map(ServiceLoader.Provider::get)
                .filter(s -> s.name().equals("gpu-worker")).findFirst().orElseThrow();
        try (WorkerTestKit kit = new WorkerTestKit(TestInfra.shared(), dir)) {
            Map<String, String> env = kit.workerEnv(Map.of("PRISM_WORKER_TASKS", "mask"));
            PlatformConfig cfg = PlatformConfig.from(new Env(env)).withInfrastructure(kit.infra.kafkaBootstrapServers(),
                    kit.platform.jdbcUrl(), kit.platform.dbUser(), kit.platform.dbPassword()).withBlobRoot(kit.platform.blobRoot());
            ServiceContext ctx = new ServiceContext(kit.vertx, cfg, kit.db, kit.blobs, new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
            service.deploy(ctx).toCompletionStage().toCompletableFuture().get(3, TimeUnit.MINUTES);
            try {
                List<FrameSubmitted> frames = kit.goodFrames(3, 1, "svc");
                for (FrameSubmitted f : frames) kit.publish(f);
                await("3 mask results", Duration.ofSeconds(90), quietly(() -> kit.count("SELECT count(*) FROM results WHERE task = 'mask'") == 3));
                assertThat(kit.count("SELECT count(*) FROM results WHERE task <> 'mask'")).as("only the configured task").isZero();
                assertThat(ctx.meters().scrape()).contains("prism_worker_model_active_version{task=\"mask\"} 1.0");
            } finally {
                service.undeploy().toCompletionStage().toCompletableFuture().get(2, TimeUnit.MINUTES);
            }
        }
    }
}
