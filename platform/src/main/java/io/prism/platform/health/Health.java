package io.prism.platform.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;

/**
 * The endpoints every Prism service serves: {@code /health/live} (the process answers), {@code /health/ready}
 * (all readiness checks pass: e.g. a model is loaded, the database answers) and {@code /metrics} (Prometheus).
 */
public final class Health {
    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";
    public static final String METRICS = "/metrics";

    private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();

    public Health check(String name, BooleanSupplier check) {
        checks.put(name, check);
        return this;
    }

    public boolean ready() {
        return checks.values().stream().allMatch(BooleanSupplier::getAsBoolean);
    }

    public void mount(Router router, PrometheusMeterRegistry registry) {
        router.get(LIVE).handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
        router.get(READY).handler(ctx -> {
            JsonObject details = new JsonObject();
            boolean all = true;
            for (var e : checks.entrySet()) {
                boolean ok;
                try {
                    ok = e.getValue().getAsBoolean();
                } catch (RuntimeException ex) {
                    ok = false;
                }
                details.put(e.getKey(), ok ? "UP" : "DOWN");
                all &= ok;
            }
            ctx.response().setStatusCode(all ? 200 : 503);
            ctx.json(new JsonObject().put("status", all ? "UP" : "DOWN").put("checks", details));
        });
        router.get(METRICS).handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
    }
}
