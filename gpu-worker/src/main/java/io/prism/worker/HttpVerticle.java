package io.prism.worker;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.health.Health;
import io.vertx.core.AbstractVerticle;
import io.vertx.core.Promise;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;

/** One job: serve /health/live, /health/ready (ready only when every task has a model loaded) and /metrics. */
public final class HttpVerticle extends AbstractVerticle {
    private final String host;
    private final int port;
    private final Health health;
    private final PrometheusMeterRegistry meters;
    private HttpServer server;

    public HttpVerticle(String host, int port, Health health, PrometheusMeterRegistry meters) {
        this.host = host;
        this.port = port;
        this.health = health;
        this.meters = meters;
    }

    @Override
    public void start(Promise<Void> started) {
        Router router = Router.router(vertx);
        health.mount(router, meters);
        vertx.createHttpServer().requestHandler(router).listen(port, host)
                .onSuccess(s -> {
                    server = s;
                    started.complete();
                })
                .onFailure(started::fail);
    }

    /** The port actually bound (useful with PRISM_WORKER_PORT=0). */
    public int port() {
        return server == null ? -1 : server.actualPort();
    }
}
