package io.prism.results.bench;

import io.prism.platform.config.Env;
import io.prism.platform.config.PlatformConfig;
import io.prism.platform.infra.EmbeddedPostgresServer;
import io.prism.platform.service.ServiceContext;
import io.prism.results.ResultsApiConfig;
import io.prism.results.ResultsApiService;
import io.prism.platform.auth.ApiTokens;
import io.prism.results.db.FrameRepository;
import io.prism.results.db.FrameRepository.FrameFilter;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.sql.DataSource;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code prism bench results}: frame queries through the whole results-api (HTTP, routing, auth, JDBC, JSON) under
 * {@code wrk}, next to the very same SQL statements run in {@code psql} with {@code \timing} — the database's own
 * floor — on a database of a million result rows.
 *
 * <p>Shapes: a page of 100 frames of a job from a random frame on (keyset seek) with their results; the same with a
 * status filter (failed frames); one frame by number. Each shape's requests are drawn from the same few hundred
 * random parameter sets for wrk and for psql. psql runs them one after another on one connection (its p50 is the
 * floor for one request). wrk measures latency with one connection (requests one after another, like psql) and
 * throughput with {@code --connections} concurrent clients; API req/s is compared with {@code 1000 / psql p50}, the
 * rate one serial database session would reach.
 */
@Command(name = "bench-results", mixinStandardHelpOptions = true,
        description = "wrk against results-api frame queries on 1 000 000 result rows, next to the same SQL in psql.")
public final class FramesBenchmark implements Callable<Integer> {

    @Option(names = "--rows", description = "result rows to load (2 per processed frame); default ${DEFAULT-VALUE}")
    long rows = 1_000_000;

    @Option(names = "--jobs", description = "jobs to spread them over; default ${DEFAULT-VALUE}")
    int jobs = 20;

    @Option(names = "--duration", description = "seconds of wrk per shape; default ${DEFAULT-VALUE}")
    int duration = 10;

    @Option(names = "--warmup", description = "seconds of wrk per shape before any measurement (JIT, pool, caches); default ${DEFAULT-VALUE}")
    int warmup = 15;

    @Option(names = "--connections", description = "wrk connections; default ${DEFAULT-VALUE}")
    int connections = 8;

    @Option(names = "--threads", description = "wrk threads; default ${DEFAULT-VALUE}")
    int threads = 2;

    @Option(names = "--instances", description = "results-api HTTP verticle instances; default ${DEFAULT-VALUE}")
    int instances = 2;

    @Option(names = "--samples", description = "random parameter sets per shape (and psql runs); default ${DEFAULT-VALUE}")
    int samples = 300;

    @Option(names = "--jdbc-url", description = "use this PostgreSQL database (it gets the rows) instead of an embedded server")
    String jdbcUrl;

    @Option(names = "--db-user", defaultValue = "postgres")
    String dbUser;

    @Option(names = "--db-password", defaultValue = "postgres")
    String dbPassword;

    private static final String TOKEN = "bench-token-0001";

    public static void main(String[] args) {
        System.exit(new CommandLine(new FramesBenchmark()).execute(args));
    }

    record Shape(String name, List<String> paths, List<List<String>> sql) {}

    record Measured(double p50Ms, double p99Ms, double rps) {}

    @Override
    public Integer call() throws Exception {
        requireTool("wrk", "apt-get install -y wrk");
        Path work = Files.createTempDirectory("prism-bench-results-");
        EmbeddedPostgresServer pg = null;
        String url = jdbcUrl;
        if (url == null) {
            pg = new EmbeddedPostgresServer(work.resolve("pg"), freePort()).start();
            String db = "bench_results_" + Long.toHexString(System.nanoTime());
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl(), dbUser, dbPassword); Statement s = c.createStatement()) {
                s.execute("CREATE DATABASE " + db);
            }
            url = pg.jdbcUrl().replace("/" + EmbeddedPostgresServer.DATABASE, "/" + db);
        }
        Vertx vertx = Vertx.vertx();
        PlatformConfig platform = PlatformConfig.from(new Env(Map.of())).withInfrastructure("127.0.0.1:1", url, dbUser, dbPassword)
                .withBlobRoot(work.resolve("blobs"));
        try (ServiceContext ctx = ServiceContext.open(vertx, platform)) {
            DataSource ds = ResultsApiService.plainDataSource(ctx.database());
            int framesPerJob = (int) Math.ceil(rows / 2.0 / jobs / (1 - 1 / 97.0)) + 10;
            long t0 = System.nanoTime();
            SyntheticResults.load(ds, "bench", jobs, framesPerJob, SyntheticResults.Blobs.placeholder());
            long loaded = scalar(ds, "SELECT count(*) FROM results");
            System.out.printf("loaded %,d result rows (%,d frames in %d jobs) in %.1f s%n", loaded,
                    scalar(ds, "SELECT count(*) FROM frames"), jobs, (System.nanoTime() - t0) / 1e9);

            ResultsApiService service = new ResultsApiService(new ResultsApiConfig("127.0.0.1", 0, instances,
                    ApiTokens.parse("bench:" + TOKEN + ":read"), false, 100, 1000, 10_000, 1 << 24, 16, false));
            service.deploy(ctx).toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
            String base = "http://127.0.0.1:" + service.port();

            List<Shape> shapes = shapes(ds, framesPerJob);
            boolean psql = tool("psql");
            List<String[]> table = new ArrayList<>();
            for (Shape shape : shapes) {
                wrkRun(base, shape, work, threads, connections, warmup, false);
            }
            for (Shape shape : shapes) {
                Measured serial = wrk(base, shape, work, 1, 1);
                Measured api = wrk(base, shape, work, threads, connections);
                Measured floor = psql ? psql(url, shape, work) : jdbc(ds, shape);
                table.add(new String[] {shape.name(), fmt(serial.p50Ms()), fmt(serial.p99Ms()), fmt(api.p50Ms()), String.format("%,.0f", api.rps()),
                        fmt(floor.p50Ms()), fmt(floor.p99Ms()), String.format("%,.0f", 1000 / floor.p50Ms()),
                        String.format("%.1fx", serial.p50Ms() / floor.p50Ms()), String.format("%.2f", api.rps() / (1000 / floor.p50Ms()))});
            }
            System.out.printf("%nresults-api frame queries on %,d result rows, %d CPUs: wrk -c1 (latency) and -t%d -c%d (req/s), %ds each,"
                    + " vs the same SQL in %s (serial, one session)%n", loaded, Runtime.getRuntime().availableProcessors(), threads,
                    connections, duration, psql ? "psql \\timing" : "JDBC (psql not installed)");
            print(new String[] {"query", "API p50 ms", "API p99 ms", "API p50 ms c" + connections, "API req/s c" + connections,
                    "SQL p50 ms", "SQL p99 ms", "SQL 1/p50 req/s", "p50 API/SQL", "req/s API/(1/SQL p50)"}, table);
            service.undeploy().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        } finally {
            vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            if (pg != null) pg.close();
            deleteTree(work); // the embedded database of a million rows takes about 2 GB
        }
        return 0;
    }

    /** Random requests of each shape and the SQL each one runs, resolved against the loaded rows. */
    private List<Shape> shapes(DataSource ds, int framesPerJob) throws Exception {
        Random rnd = new Random(42);
        List<String> pagePaths = new ArrayList<>(), failedPaths = new ArrayList<>(), onePaths = new ArrayList<>();
        List<List<String>> pageSql = new ArrayList<>(), failedSql = new ArrayList<>(), oneSql = new ArrayList<>();
        for (int i = 0; i < samples; i++) {
            String job = String.format("bench-%03d", 1 + rnd.nextInt(jobs));
            int from = 1001 + rnd.nextInt(Math.max(1, framesPerJob - 100));
            pagePaths.add("/api/v1/jobs/" + job + "/frames?limit=100&fromFrame=" + from);
            pageSql.add(statements(ds, new FrameFilter(job, null, null, from, null, null, 100, true)));
            int fromFailed = 1001 + rnd.nextInt(Math.max(1, framesPerJob / 2));
            failedPaths.add("/api/v1/jobs/" + job + "/frames?limit=100&status=failed&fromFrame=" + fromFailed);
            failedSql.add(statements(ds, new FrameFilter(job, "failed", null, fromFailed, null, null, 100, true)));
            int n = 1001 + rnd.nextInt(framesPerJob);
            onePaths.add("/api/v1/jobs/" + job + "/frames?limit=1&fromFrame=" + n);
            oneSql.add(statements(ds, new FrameFilter(job, null, null, n, null, null, 1, true)));
        }
        return List.of(new Shape("frames page (100 + results)", pagePaths, pageSql),
                new Shape("failed frames page (status filter)", failedPaths, failedSql),
                new Shape("one frame by number (+ results)", onePaths, oneSql));
    }

    /** The frames statement and, for the ids it returns (page size, not the look-ahead row), the results statement. */
    private static List<String> statements(DataSource ds, FrameFilter f) throws Exception {
        String frames = FrameRepository.framesStatementForPsql(f);
        List<UUID> ids = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement(); ResultSet rs = s.executeQuery(frames)) {
            while (rs.next() && ids.size() < f.limit()) ids.add(UUID.fromString(rs.getString("id")));
        }
        return ids.isEmpty() ? List.of(frames) : List.of(frames, FrameRepository.resultsStatementForPsql(ids));
    }

    private Measured wrk(String base, Shape shape, Path work, int threads, int connections) throws Exception {
        return wrkRun(base, shape, work, threads, connections, duration, true);
    }

    private Measured wrkRun(String base, Shape shape, Path work, int threads, int connections, int seconds, boolean measure) throws Exception {
        Path script = work.resolve("wrk-" + Math.abs(shape.name().hashCode()) + ".lua");
        StringBuilder lua = new StringBuilder("wrk.headers[\"Authorization\"] = \"Bearer " + TOKEN + "\"\nlocal paths = {\n");
        for (String p : shape.paths()) lua.append("  \"").append(p).append("\",\n");
        lua.append("}\nlocal i = 0\nrequest = function()\n  i = i + 1\n  return wrk.format(\"GET\", paths[(i % #paths) + 1])\nend\n");
        lua.append("done = function(summary, latency, requests)\n  io.write(string.format(\"non2xx=%d\\n\", summary.errors.status))\nend\n");
        Files.writeString(script, lua.toString());
        String out = run(List.of("wrk", "-t" + threads, "-c" + connections, "-d" + seconds + "s", "--latency", "-s", script.toString(), base));
        Matcher non2xx = Pattern.compile("non2xx=(\\d+)").matcher(out);
        if (non2xx.find() && !non2xx.group(1).equals("0")) {
            throw new IllegalStateException("wrk saw " + non2xx.group(1) + " non-2xx answers for " + shape.name() + ":\n" + out);
        }
        if (!measure) return null;
        return new Measured(latency(out, "50%"), latency(out, "99%"), number(out, "Requests/sec:\\s+([\\d.]+)"));
    }

    /** Runs every sample's statements in one psql session with \timing; per-request time = sum of its statements. */
    private Measured psql(String jdbcUrl, Shape shape, Path work) throws Exception {
        Matcher m = Pattern.compile("jdbc:postgresql://([^:/]+):(\\d+)/([^?]+)").matcher(jdbcUrl);
        if (!m.find()) throw new IllegalArgumentException("cannot read host/port/db from " + jdbcUrl);
        Path file = work.resolve("psql-" + Math.abs(shape.name().hashCode()) + ".sql");
        StringBuilder sql = new StringBuilder("\\o /dev/null\n");
        // warm-up pass without timing, then the timed pass
        for (List<String> stmts : shape.sql()) for (String s : stmts) sql.append(s).append(";\n");
        sql.append("\\timing on\n");
        for (List<String> stmts : shape.sql()) for (String s : stmts) sql.append(s).append(";\n");
        Files.writeString(file, sql.toString());
        ProcessBuilder pb = new ProcessBuilder("psql", "-X", "-q", "-h", m.group(1), "-p", m.group(2), "-U", dbUser, "-d", m.group(3), "-f", file.toString());
        pb.environment().put("PGPASSWORD", dbPassword);
        String out = run(pb);
        Matcher t = Pattern.compile("Time: ([\\d.]+) ms").matcher(out);
        List<Double> times = new ArrayList<>();
        while (t.find()) times.add(Double.parseDouble(t.group(1)));
        List<Double> perRequest = new ArrayList<>();
        int k = 0;
        for (List<String> stmts : shape.sql()) {
            double sum = 0;
            for (int j = 0; j < stmts.size(); j++) sum += times.get(k++);
            perRequest.add(sum);
        }
        return summary(perRequest);
    }

    /** Without psql: the same statements over JDBC, one session, serially. */
    private static Measured jdbc(DataSource ds, Shape shape) throws Exception {
        List<Double> perRequest = new ArrayList<>();
        try (Connection c = ds.getConnection(); Statement s = c.createStatement()) {
            for (int pass = 0; pass < 2; pass++) {
                perRequest.clear();
                for (List<String> stmts : shape.sql()) {
                    long t0 = System.nanoTime();
                    for (String q : stmts) {
                        try (ResultSet rs = s.executeQuery(q)) {
                            while (rs.next()) { /* read every row, as psql does */ }
                        }
                    }
                    perRequest.add((System.nanoTime() - t0) / 1e6);
                }
            }
        }
        return summary(perRequest);
    }

    private static Measured summary(List<Double> ms) {
        double[] a = ms.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return new Measured(a[(int) Math.floor(0.5 * (a.length - 1))], a[(int) Math.floor(0.99 * (a.length - 1))], 0);
    }

    private static double latency(String wrkOut, String pct) {
        Matcher m = Pattern.compile("\\s" + Pattern.quote(pct) + "\\s+([\\d.]+)(us|ms|s)\\b").matcher(wrkOut);
        if (!m.find()) throw new IllegalStateException("no " + pct + " latency in wrk output:\n" + wrkOut);
        double v = Double.parseDouble(m.group(1));
        return switch (m.group(2)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
        };
    }

    private static double number(String out, String regex) {
        Matcher m = Pattern.compile(regex).matcher(out);
        if (!m.find()) throw new IllegalStateException("no match for " + regex + " in:\n" + out);
        return Double.parseDouble(m.group(1));
    }

    private static String run(List<String> cmd) throws IOException, InterruptedException {
        return run(new ProcessBuilder(cmd));
    }

    private static String run(ProcessBuilder pb) throws IOException, InterruptedException {
        Process p = pb.redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException(pb.command().get(0) + " failed:\n" + out);
        return out;
    }

    private static boolean tool(String name) {
        return Arrays.stream(System.getenv().getOrDefault("PATH", "/usr/bin").split(":"))
                .anyMatch(d -> Files.isExecutable(Path.of(d, name)));
    }

    private static void requireTool(String name, String install) {
        if (!tool(name)) throw new IllegalStateException(name + " is not installed (" + install + ")");
    }

    private static long scalar(DataSource ds, String sql) throws Exception {
        try (Connection c = ds.getConnection(); PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    private static void deleteTree(Path root) {
        try (var paths = Files.walk(root)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            System.err.println("could not remove " + root + ": " + e.getMessage());
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    private static String fmt(double ms) {
        return String.format(ms < 10 ? "%.2f" : "%.1f", ms);
    }

    private static void print(String[] head, List<String[]> rows) {
        int[] w = new int[head.length];
        for (int i = 0; i < head.length; i++) {
            w[i] = head[i].length();
            for (String[] r : rows) w[i] = Math.max(w[i], r[i].length());
        }
        StringBuilder sb = new StringBuilder();
        for (String[] r : prepend(head, rows)) {
            for (int i = 0; i < r.length; i++) {
                sb.append(i == 0 ? String.format("%-" + w[i] + "s", r[i]) : String.format(" | %" + w[i] + "s", r[i]));
            }
            sb.append('\n');
            if (r == head) {
                for (int i = 0; i < w.length; i++) sb.append(i == 0 ? "" : "-+-").append("-".repeat(w[i]));
                sb.append('\n');
            }
        }
        System.out.print(sb);
    }

    private static List<String[]> prepend(String[] head, List<String[]> rows) {
        List<String[]> all = new ArrayList<>();
        all.add(head);
        all.addAll(rows);
        return all;
    }
}
