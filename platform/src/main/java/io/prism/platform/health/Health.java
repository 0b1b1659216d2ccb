package io.prism.platform.health;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.blob.BlobStore;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The endpoints every Prism service serves: {@code /health/live} (the process answers), {@code /health/ready}
 * (all readiness checks pass: the database, the broker and the blob store answer, a model is loaded...) and
 * {@code /metrics} (Prometheus).
 *
 * <p>{@code /health/ready} runs the checks off the event loop, all at once, and answers within {@link #DEADLINE}: a
 * check that has not answered by then (a database that hangs, a broker that is gone) counts as DOWN, so an
 * orchestrator learns of an outage within a second rather than after a driver's connect timeout.
 */
public final class Health {
    public static final String LIVE = "/health/live";
    public static final String READY = "/health/ready";
    public static final String METRICS = "/metrics";
    /** How long {@code /health/ready} waits for its checks. */
    public static final Duration DEADLINE = Duration.ofSeconds(1);

    private final Map<String, BooleanSupplier> checks = new LinkedHashMap<>();

    public Health check(String name, BooleanSupplier check) {
        checks.put(name, check);
        return this;
    }

    /** Runs every check on the calling thread (no deadline): for tests and start-up. */
    public boolean ready() {
        return checks.values().stream().allMatch(BooleanSupplier::getAsBoolean);
    }

    public void mount(Router router, PrometheusMeterRegistry registry) {
        router.get(LIVE).handler(ctx -> ctx.json(new JsonObject().put("status", "UP")));
        router.get(READY).handler(ctx -> {
            List<String> names = new ArrayList<>(checks.keySet());
            List<Future<Boolean>> results = new ArrayList<>();
            for (String name : names) {
                BooleanSupplier check = checks.get(name);
                results.add(ctx.vertx().executeBlocking(check::getAsBoolean, false)
                        .timeout(DEADLINE.toMillis(), TimeUnit.MILLISECONDS)
                        .otherwise(false));
            }
            Future.join(results).onComplete(done -> {
                JsonObject details = new JsonObject();
                boolean all = true;
                for (int i = 0; i < names.size(); i++) {
                    boolean ok = Boolean.TRUE.equals(results.get(i).result());
                    details.put(names.get(i), ok ? "UP" : "DOWN");
                    all &= ok;
                }
                ctx.response().setStatusCode(all ? 200 : 503);
                ctx.json(new JsonObject().put("status", all ? "UP" : "DOWN").put("checks", details));
            });
        });
        router.get(METRICS).handler(ctx -> ctx.response()
                .putHeader("content-type", "text/plain; version=0.0.4; charset=utf-8")
                .end(registry.scrape()));
    }

    /** The database answers: a pooled connection that is valid within {@link #DEADLINE}. */
    public static BooleanSupplier database(DataSource pool) {
        return () -> {
            try (var c = pool.getConnection()) {
                return c.isValid((int) Math.max(1, DEADLINE.toSeconds()));
            } catch (Exception e) {
                return false;
            }
        };
    }

    /** The blob store answers a lookup (any I/O or connection failure is DOWN). */
    public static BooleanSupplier blobStore(BlobStore blobs) {
        return () -> {
            try {
                blobs.find("0".repeat(64));
                return true;
            } catch (Exception e) {
                return false;
            }
        };
    }

    /** A Kafka broker answers; one admin client per check, closed with the service ({@link Broker#close}). */
    public static Broker broker(String bootstrapServers) {
        return new Broker(bootstrapServers);
    }

    /** A readiness check of the Kafka cluster: some broker describes the cluster within {@link #DEADLINE}. */
    public static final class Broker implements BooleanSupplier, AutoCloseable {
        private final String bootstrapServers;
        private Admin admin;

        private Broker(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
        }

        @Override
        public synchronized boolean getAsBoolean() {
            try {
                if (admin == null) {
                    Properties p = new Properties();
                    p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
                    p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, (int) DEADLINE.toMillis());
                    p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) DEADLINE.toMillis());
                    p.put(AdminClientConfig.CLIENT_ID_CONFIG, "prism-readiness");
                    admin = Admin.create(p);
                }
                return !admin.describeCluster().nodes().get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS).isEmpty();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            } catch (Exception e) {
                return false;
            }
        }

        @Override
        public synchronized void close() {
            if (admin != null) admin.close(Duration.ofSeconds(2));
            admin = null;
        }
    }
}
