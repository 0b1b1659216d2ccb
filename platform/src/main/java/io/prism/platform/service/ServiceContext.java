package io.prism.platform.service;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prism.platform.blob.BlobStore;
import io.prism.platform.blob.FileBlobStore;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.health.Health;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * What a service gets from the runtime: Vert.x, the platform config and environment, the database, the blob store
 * and a Prometheus registry. {@code prism serve <service>} makes one per process; the all-in-one runtime shares one
 * between all services of the JVM.
 */
public final class ServiceContext implements AutoCloseable {
    private final Vertx vertx;
    private final PlatformConfig config;
    private final Database database;
    private final BlobStore blobs;
    private final PrometheusMeterRegistry meters;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public ServiceContext(Vertx vertx, PlatformConfig config, Database database, BlobStore blobs, PrometheusMeterRegistry meters) {
        this.vertx = vertx;
        this.config = config;
        this.database = database;
        this.blobs = blobs;
        this.meters = meters;
    }

    /** Connects to the database (migrating it) and opens the configured blob store. */
    public static ServiceContext open(Vertx vertx, PlatformConfig config) throws IOException {
        Database db = Database.start(config);
        return new ServiceContext(vertx, config, db, openBlobStore(config), new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
    }

    /**
     * The blob store named by {@code PRISM_BLOB_STORE}: {@code file} here; other kinds are provided by modules on
     * the class path through {@link BlobStoreProvider}.
     */
    public static BlobStore openBlobStore(PlatformConfig config) throws IOException {
        if ("file".equals(config.blobStore())) {
            return new FileBlobStore(config.blobRoot());
        }
        for (BlobStoreProvider p : java.util.ServiceLoader.load(BlobStoreProvider.class)) {
            if (p.kind().equals(config.blobStore())) {
                return p.open(config.env());
            }
        }
        throw new IllegalStateException("PRISM_BLOB_STORE=" + config.blobStore() + " is not available (known: file"
                + java.util.ServiceLoader.load(BlobStoreProvider.class).stream().map(x -> ", " + x.get().kind()).reduce("", String::concat) + ")");
    }

    public Vertx vertx() { return vertx; }
    public PlatformConfig config() { return config; }
    public Env env() { return config.env(); }
    public Database database() { return database; }
    public BlobStore blobs() { return blobs; }
    public PrometheusMeterRegistry meters() { return meters; }

    /**
     * Readiness checks of what every service needs — {@code database}, {@code broker}, {@code blob-store} — to which
     * a service adds its own (e.g. a model is loaded).
     */
    public Health health() {
        return new Health()
                .check("database", Health.database(database.pooledDataSource()))
                .check("broker", onClose(Health.broker(config.kafkaBootstrap())))
                .check("blob-store", Health.blobStore(blobs));
    }

    /** Registers something to close with the context (in reverse order). */
    public <T extends AutoCloseable> T onClose(T closeable) {
        closeables.add(closeable);
        return closeable;
    }

    @Override
    public void close() {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            try {
                closeables.get(i).close();
            } catch (Exception ignored) {
                // best effort on shutdown
            }
        }
        try {
            blobs.close();
        } catch (IOException ignored) {
            // best effort on shutdown
        }
        database.close();
    }
}
