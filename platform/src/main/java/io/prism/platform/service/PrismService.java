package io.prism.platform.service;

import io.vertx.core.Future;

/**
 * A Prism service (ingest, worker, trainer, results-api): a set of verticles deployed into a {@link ServiceContext}.
 * Found with {@link java.util.ServiceLoader}, so {@code prism serve <name>} runs one per process and the all-in-one
 * runtime deploys several into one JVM — the very same verticles either way.
 */
public interface PrismService {
    /** The name used by {@code prism serve <name>}: ingest-service, gpu-worker, trainer-service, results-api. */
    String name();

    /** Deploys the service's verticles; completes when it is ready to take work. */
    Future<Void> deploy(ServiceContext context);

    /** Undeploys what {@link #deploy} started (the default: nothing beyond what Vert.x undeploys on close). */
    default Future<Void> undeploy() {
        return Future.succeededFuture();
    }
}
