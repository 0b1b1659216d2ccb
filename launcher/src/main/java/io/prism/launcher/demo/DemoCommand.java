package io.prism.launcher.demo;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code prism demo}: the whole loop on the embedded default, then keeps serving until Ctrl-C (or exits with --once). */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Run the whole loop in one JVM: embedded Kafka + PostgreSQL, all four services, the synthetic farm, a fine-tune and a promotion.")
public final class DemoCommand implements Callable<Integer> {
    @Option(names = "--once", description = "exit after the first full loop (0 when a fine-tuned model was promoted and beats v1 on the new style)")
    boolean once;

    @Option(names = "--dir", description = "where the demo keeps its data (wiped at start; default .prism/demo)")
    Path dir = Path.of(".prism", "demo");

    @Option(names = "--models", description = "shipped default checkpoints (default: models)")
    Path models = Path.of("models");

    @Option(names = "--quick", description = {"a shorter loop (what the test suite runs).",
            "With --marigold: sized for the tiny checkpoint (60 fine-tune steps at peak rate 1e-3)."})
    boolean quick;

    @Option(names = "--marigold", paramLabel = "DIR", description = {"run the loop on a diffusers Marigold(-IID) folder instead of "
            + "the shipped compact albedo model: imported and promoted as albedo v1 (prism models import), fine-tuned by the "
            + "trainer's MarigoldTrainer, gated and promoted as v2.", "A full-size checkpoint wants a GPU (PRISM_WORKER_DEVICE=gpu:0)."})
    Path marigold;

    @Override
    public Integer call() throws Exception {
        deleteTree(dir);
        DemoPlan plan = marigold != null ? (quick ? DemoPlan.marigoldQuick() : DemoPlan.marigold())
                : quick ? DemoPlan.quick() : DemoPlan.standard();
        Demo demo = new Demo(dir, plan, models, marigold, System.out, DemoConsole.interactive());
        Demo.Report report;
        try {
            report = demo.run();
        } catch (Exception e) {
            demo.close();
            throw e;
        }
        if (once) {
            demo.close();
            return report.newVersionWins() ? 0 : 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            demo.close();
            stop.countDown();
        }, "demo-stop"));
        System.out.println("prism demo: serving until Ctrl-C (service logs: " + report.serviceLog() + ").");
        stop.await();
        return 0;
    }

    static void deleteTree(Path d) throws java.io.IOException {
        if (!Files.exists(d)) return;
        try (var walk = Files.walk(d)) {
            for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }
}
