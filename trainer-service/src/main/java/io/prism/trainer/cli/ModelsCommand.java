package io.prism.trainer.cli;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.db.Database;
import io.prism.platform.registry.ModelRegistry;
import io.prism.platform.registry.ModelVersion;
import io.prism.platform.service.ServiceContext;
import java.io.PrintWriter;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code prism models list|promote|rollback}: the model registry by hand, against the database and blob store of
 * {@code PRISM_JDBC_URL} / {@code PRISM_BLOB_ROOT}. Promote and rollback write their {@code ModelPromoted} /
 * {@code ModelRolledBack} to the outbox in the same transaction; a running service's outbox relay publishes it to
 * {@code prism.models.v1} (workers follow within moments).
 */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List, promote and roll back model versions.",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Promote.class, ModelsCommand.Rollback.class})
public final class ModelsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    /** Where the registry is; tests hand in their own. */
    PlatformConfig config;

    public ModelsCommand() {}

    public ModelsCommand(PlatformConfig config) {
        this.config = config;
    }

    @Override
    public Integer call() {
        spec.commandLine().usage(spec.commandLine().getOut());
        return 0;
    }

    private <T> T withRegistry(java.util.function.Function<ModelRegistry, T> work) throws Exception {
        PlatformConfig c = config != null ? config : PlatformConfig.from(Env.system());
        try (Database db = Database.start(c.jdbcUrl(), c.dbUser(), c.dbPassword(), 2, c.dbAllowAsyncCommit(), c.dbConnectTimeout());
             BlobStore blobs = ServiceContext.openBlobStore(c)) {
            return work.apply(new ModelRegistry(db, blobs));
        }
    }

    static String describe(ModelVersion v) {
        Map<String, Double> m = new TreeMap<>(v.metrics());
        String metrics = m.entrySet().stream().filter(e -> !e.getKey().startsWith("active_"))
                .map(e -> e.getKey() + "=" + String.format("%.4f", e.getValue())).collect(Collectors.joining(" "));
        return String.format("%-7s v%-4d %-9s parent=%-5s sha256=%s created=%s%s%n         %s", v.task(), v.version(), v.status(),
                v.parentVersion() == null ? "-" : "v" + v.parentVersion(), v.artifact().sha256().substring(0, 16), v.createdAt(),
                v.promotedAt() == null ? "" : " promoted=" + v.promotedAt(), metrics.isEmpty() ? "(no metrics)" : metrics);
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List a task's versions, newest first.")
    static final class ListVersions implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", arity = "0..1", description = "albedo or mask (default: both)")
        String task;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<ModelVersion> all = parent.withRegistry(r -> task != null ? r.list(task)
                    : java.util.stream.Stream.concat(r.list("albedo").stream(), r.list("mask").stream()).toList());
            if (all.isEmpty()) out.println("no model versions" + (task == null ? "" : " for " + task));
            all.forEach(v -> out.println(describe(v)));
            out.flush();
            return 0;
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Make a version the active one (publishes ModelPromoted).")
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", description = "albedo or mask")
        String task;
        @Parameters(index = "1", description = "version number (e.g. 3 or v3)")
        String version;
        @Option(names = "--reason", defaultValue = "promoted by hand (prism models promote)")
        String reason;

        @Override
        public Integer call() throws Exception {
            int v = Integer.parseInt(version.startsWith("v") ? version.substring(1) : version);
            ModelVersion p = parent.withRegistry(r -> r.promote(task, v, reason));
            spec.commandLine().getOut().println("active: " + describe(p));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }

    @Command(name = "rollback", mixinStandardHelpOptions = true,
            description = "Take the active version out of service and restore the previous one (publishes ModelRolledBack).")
    static final class Rollback implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", description = "albedo or mask")
        String task;
        @Option(names = "--reason", defaultValue = "rolled back by hand (prism models rollback)")
        String reason;

        @Override
        public Integer call() throws Exception {
            ModelVersion p = parent.withRegistry(r -> r.rollback(task, reason));
            spec.commandLine().getOut().println("rolled back; active again: " + describe(p));
            spec.commandLine().getOut().flush();
            return 0;
        }
    }
}
