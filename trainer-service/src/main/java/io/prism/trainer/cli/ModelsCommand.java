package io.prism.trainer.cli;

import io.prism.platform.blob.BlobStore;
import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.contracts.Task;
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
 * {@code prism models list|import|promote|rollback}: the model registry by hand, against the database and blob store of
 * {@code PRISM_JDBC_URL} / {@code PRISM_BLOB_ROOT}. Promote and rollback write their {@code ModelPromoted} /
 * {@code ModelRolledBack} to the outbox in the same transaction; a running service's outbox relay publishes it to
 * {@code prism.models.v1} (workers follow within moments).
 */
@Command(name = "models", mixinStandardHelpOptions = true, description = "List, import, promote and roll back model versions.",
        subcommands = {ModelsCommand.ListVersions.class, ModelsCommand.Import.class, ModelsCommand.Promote.class, ModelsCommand.Rollback.class})
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
        @Parameters(index = "0", arity = "0..1", description = "albedo, mask, depth or normals (default: all)")
        String task;

        @Override
        public Integer call() throws Exception {
            PrintWriter out = spec.commandLine().getOut();
            List<ModelVersion> all = parent.withRegistry(r -> task != null ? r.list(task)
                    : TASKS.stream().flatMap(t -> r.list(t).stream()).toList());
            if (all.isEmpty()) out.println("no model versions" + (task == null ? "" : " for " + task));
            all.forEach(v -> out.println(describe(v)));
            out.flush();
            return 0;
        }
    }

    /** "acescg,aces_fitted,srgb" → an input encoding; null stays null (the folder's settings or the default). */
    static io.prism.vision.color.InputEncoding encoding(String spec) {
        if (spec == null) return null;
        String[] p = spec.split(",", -1);
        if (p.length != 3) throw new IllegalArgumentException("--input-encoding takes PRIMARIES,TONEMAP,TRANSFER, e.g. rec709,shoulder,srgb");
        return io.prism.vision.color.InputEncoding.of(p[0].trim(), p[1].trim(), p[2].trim());
    }

    static final List<String> TASKS = Task.ALL;

    @Command(name = "import", mixinStandardHelpOptions = true,
            description = {"Check a model folder by building the model from it and register it as a new candidate version.",
                    "Accepts diffusers Marigold folders (model_index.json; e.g. prs-eth/marigold-iid-appearance-v1-1) and Prism "
                            + "checkpoints (model.json). Workers serve it after `prism models promote`."})
    static final class Import implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", description = "the model folder")
        java.nio.file.Path folder;
        @Option(names = "--task", required = true, description = "albedo, mask, depth or normals")
        String task;
        @Option(names = "--name", description = "a name recorded with the version (default: the folder's name)")
        String name;
        @Option(names = "--input-encoding", paramLabel = "PRIMARIES,TONEMAP,TRANSFER",
                description = "diffusers models: how the model takes its image, recorded in prism_settings.json "
                        + "(default: the folder's prism_settings.json, else rec709,shoulder,srgb; see vision/README.md)")
        String inputEncoding;

        @Override
        public Integer call() throws Exception {
            if (!TASKS.contains(task)) {
                spec.commandLine().getErr().println("prism models import: unknown task '" + task + "' (" + String.join(", ", TASKS) + ")");
                return 2;
            }
            java.nio.file.Path scratch = java.nio.file.Files.createTempDirectory("prism-import-");
            try {
                io.prism.engine.ModelImport prepared;
                try {
                    prepared = io.prism.engine.ModelImport.prepare(folder.toAbsolutePath(), task, scratch, encoding(inputEncoding));
                } catch (io.prism.engine.model.CheckpointException | IllegalArgumentException e) {
                    spec.commandLine().getErr().println("prism models import: refused: " + e.getMessage());
                    spec.commandLine().getErr().flush();
                    return 1;
                }
                String label = name != null ? name : folder.toAbsolutePath().normalize().getFileName().toString();
                Map<String, Object> data = Map.of("source", folder.toAbsolutePath().normalize().toString(), "name", label,
                        "model", prepared.description());
                ModelVersion v = parent.withRegistry(r -> {
                    try {
                        return r.register(task, prepared.files(), null, Map.of(), data, "imported: " + label);
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                });
                PrintWriter out = spec.commandLine().getOut();
                out.println("imported " + label + " (" + prepared.description() + ")");
                out.println(describe(v));
                out.println("serve it with: prism models promote " + task + " v" + v.version());
                out.flush();
                return 0;
            } finally {
                try (var walk = java.nio.file.Files.walk(scratch)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
    }

    @Command(name = "promote", mixinStandardHelpOptions = true, description = "Make a version the active one (publishes ModelPromoted).")
    static final class Promote implements Callable<Integer> {
        @ParentCommand
        ModelsCommand parent;
        @Spec
        CommandSpec spec;
        @Parameters(index = "0", description = "albedo, mask, depth or normals")
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
        @Parameters(index = "0", description = "albedo, mask, depth or normals")
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
