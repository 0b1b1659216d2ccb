package io.prism.trainer;

import io.prism.platform.config.PlatformConfig;
import io.prism.worker.GpuWorkerService;
import java.util.Map;

/** A real gpu-worker in this JVM on the same database, blob store and broker: it follows prism.models.v1. */
final class WorkerInstance implements AutoCloseable {
    private final DeployedService<GpuWorkerService> deployed;

    private WorkerInstance(DeployedService<GpuWorkerService> deployed) {
        this.deployed = deployed;
    }

    static WorkerInstance start(PlatformConfig shared, Map<String, String> env) throws Exception {
        return new WorkerInstance(DeployedService.start(new GpuWorkerService(), shared, env));
    }

    int activeVersion(String task) {
        return deployed.service.worker().models().activeVersion(task);
    }

    @Override
    public void close() throws Exception {
        deployed.close();
    }
}
