package io.prism.vision.bench;

import io.prism.vision.exr.Compression;
import io.prism.vision.exr.ExrChannel;
import io.prism.vision.exr.ExrImage;
import io.prism.vision.exr.ExrLimits;
import io.prism.vision.exr.ExrPart;
import io.prism.vision.exr.ExrReader;
import io.prism.vision.exr.ExrWriteOptions;
import io.prism.vision.exr.ExrWriter;
import io.prism.vision.exr.PixelType;
import io.prism.vision.image.FloatImage;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * {@code prism bench exr}: decode and encode throughput of Prism's OpenEXR codec per compression, next to
 * OpenImageIO's oiiotool (OpenEXR's C++ library) on the same files.
 * <p>
 * For each input image and compression, Prism writes the image (all parts' channels, the source's sample type) to
 * a temporary file and reads it back (page-cached), best of {@code --iterations} timed runs after a warm-up, with
 * {@code --threads} threads (default 1, as oiiotool gets). Compressions Prism only reads (B44, B44A, DWAA, DWAB)
 * are written once by oiiotool from an uncompressed copy and timed for decoding only. The encoded
 * file is then given to oiiotool twice: {@code oiiotool --threads N --runstats -i:now=1 FILE} (read only), whose
 * "Total time" is its decode time, and {@code ... -i:now=1 FILE --compression C -o OUT}, whose {@code -o} step is
 * its encode time (includes writing to disk); best of {@code --oiiotool-runs}. The per-step {@code -i} figure is not
 * used: OIIO 2.4 reports about twice the real decode time there (it is checked against the read-only total and a
 * mismatch is reported below the table). Throughput is megabytes (10^6) of uncompressed pixel data per second, with
 * the total seconds; "x" columns are oiiotool's time divided by Prism's (above 1: Prism is faster). oiiotool reports
 * times in 10 ms steps, so small files give coarse numbers.
 */
@Command(name = "bench-exr", mixinStandardHelpOptions = true,
        description = "OpenEXR decode/encode MB/s per compression, Prism vs oiiotool, on the same files.")
public final class ExrBenchmark implements Callable<Integer> {
    @Parameters(arity = "0..*", description = "EXR files or folders (default: ../shared/testdata/openexr without Damaged/)")
    List<Path> inputs = new ArrayList<>();

    @Option(names = "--compressions", split = ",", description = "default: ${DEFAULT-VALUE}")
    List<Compression> compressions = List.of(Compression.NONE, Compression.RLE, Compression.ZIPS, Compression.ZIP,
            Compression.PIZ, Compression.PXR24, Compression.DWAA);

    @Option(names = "--iterations", description = "timed runs per file and compression (best counts); default ${DEFAULT-VALUE}")
    int iterations = 3;

    @Option(names = "--oiiotool-runs", description = "oiiotool runs per file and compression (best counts), 0 = skip; default ${DEFAULT-VALUE}")
    int oiiotoolRuns = 1;

    @Option(names = "--threads", description = "threads for Prism's codec and oiiotool alike; default ${DEFAULT-VALUE}")
    int threads = 1;

    @Option(names = "--per-file", description = "also print one row per file and compression")
    boolean perFile;

    private final PrintStream out;

    public ExrBenchmark() {
        this(System.out);
    }

    ExrBenchmark(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new ExrBenchmark()).execute(args));
    }

    /** Totals of one compression over all files. */
    static final class Row {
        final Compression compression;
        long rawBytes;
        long fileBytes;
        double prismDecode;
        double prismEncode;
        double oiioDecode;
        double oiioEncode;
        int oiioFiles;

        Row(Compression c) {
            compression = c;
        }
    }

    @Override
    public Integer call() throws Exception {
        List<Path> files = findFiles();
        if (files.isEmpty()) {
            out.println("no EXR files found; pass files or folders");
            return 2;
        }
        boolean oiio = oiiotoolRuns > 0 && oiiotoolAvailable();
        out.printf(Locale.ROOT, "OpenEXR codec benchmark: %d files, %d iterations, oiiotool %s%n", files.size(), iterations,
                oiio ? "--threads " + threads : "not used" + (oiiotoolRuns > 0 ? " (not installed)" : ""));
        Path tmp = Files.createTempDirectory("prism-bench-exr");
        List<Row> rows = new ArrayList<>();
        try {
            for (Compression c : compressions) rows.add(new Row(c));
            warmUp(ExrReader.merge(ExrReader.read(files.get(0))));
            for (Path f : files) {
                ExrImage exr = ExrReader.read(f);
                FloatImage img = ExrReader.merge(exr);
                PixelType type = sourceType(exr);
                long raw = (long) img.width() * img.height() * img.channelCount() * type.bytes();
                for (Row row : rows) {
                    // like oiiotool: encode = write the file, decode = read the file (from the page cache); a
                    // compression Prism only reads (B44, DWA) is written by oiiotool and timed for decoding only
                    boolean writes = row.compression.supported();
                    ExrWriteOptions o = ExrWriteOptions.defaults().compression(writes ? row.compression : Compression.NONE)
                            .pixelType(type).threads(threads);
                    ExrLimits limits = ExrLimits.DEFAULT.withMaxThreads(threads);
                    Path in = writes ? tmp.resolve("in-" + row.compression + ".exr")
                            : oiio ? writtenByOiiotool(img, type, row.compression, tmp) : null;
                    if (in == null) continue;
                    double enc = Double.MAX_VALUE;
                    double dec = Double.MAX_VALUE;
                    for (int i = 0; i < iterations; i++) {
                        long t0 = System.nanoTime();
                        if (writes) ExrWriter.write(in, img, o);
                        long t1 = System.nanoTime();
                        ExrReader.read(in, limits);
                        long t2 = System.nanoTime();
                        enc = Math.min(enc, (t1 - t0) / 1e9);
                        dec = Math.min(dec, (t2 - t1) / 1e9);
                    }
                    row.rawBytes += raw;
                    row.fileBytes += Files.size(in);
                    row.prismEncode += writes ? enc : 0;
                    row.prismDecode += dec;
                    double[] oi = null;
                    if (oiio) {
                        oi = oiiotoolTimes(in, tmp.resolve("out-" + row.compression + ".exr"), row.compression);
                        if (oi != null) {
                            row.oiioDecode += oi[0];
                            row.oiioEncode += oi[1];
                            row.oiioFiles++;
                        }
                    }
                    if (perFile) {
                        out.printf(Locale.ROOT, "  %-40s %-6s %8.1f MB  decode %7.1f MB/s  encode %7.1f MB/s%s%n",
                                shorten(f), row.compression, raw / 1e6, raw / 1e6 / dec, writes ? raw / 1e6 / enc : 0,
                                oi == null ? "" : String.format(Locale.ROOT, "  oiiotool decode %.2fs encode %.2fs", oi[0], oi[1]));
                    }
                }
            }
        } finally {
            try (Stream<Path> s = Files.walk(tmp)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        printTable(rows, oiio);
        return 0;
    }

    /** Lets the JIT compile every codec before anything is timed. */
    /**
     * Encodes and decodes the first image in every compression until the JIT has compiled the codecs: at least 10
     * rounds and 2 seconds (3 rounds left the PIZ Huffman loop interpreted for the first file, 3-4x slower).
     */
    private void warmUp(FloatImage img) throws IOException {
        long until = System.nanoTime() + 2_000_000_000L;
        for (int round = 0; round < 10 || System.nanoTime() < until; round++) {
            for (Compression c : compressions) {
                if (!c.supported()) continue; // read-only compressions warm up on their first timed file
                byte[] b = ExrWriter.encode(img, ExrWriteOptions.defaults().compression(c));
                ExrReader.read(b, "warm-up", ExrLimits.DEFAULT);
            }
        }
    }

    private void printTable(List<Row> rows, boolean oiio) {
        out.println();
        out.printf(Locale.ROOT, "%-11s %7s %6s | %-20s %-20s %6s | %-20s %-20s %6s%n", "compression", "raw MB", "ratio",
                "Prism decode", "oiiotool decode", "x", "Prism encode", "oiiotool encode", "x");
        out.println("-".repeat(125));
        for (Row r : rows) {
            if (r.rawBytes == 0) {
                out.printf(Locale.ROOT, "%-11s (Prism reads it only; needs oiiotool to write the files)%n", r.compression);
                continue;
            }
            double mb = r.rawBytes / 1e6;
            boolean writes = r.compression.supported();
            boolean haveOiio = oiio && r.oiioFiles > 0 && r.oiioDecode > 0 && r.oiioEncode > 0;
            out.printf(Locale.ROOT, "%-11s %7.1f %6.2f | %-20s %-20s %6s | %-20s %-20s %6s%n", r.compression, mb,
                    (double) r.rawBytes / r.fileBytes, speed(mb, r.prismDecode),
                    haveOiio ? speed(mb, r.oiioDecode) : "-", haveOiio ? ratio(r.oiioDecode, r.prismDecode) : "-",
                    writes ? speed(mb, r.prismEncode) : "- (read only)", haveOiio ? speed(mb, r.oiioEncode) : "-",
                    haveOiio && writes ? ratio(r.oiioEncode, r.prismEncode) : "-");
        }
        out.println();
        out.println("MB = 10^6 bytes of uncompressed pixel data, all files; MB/s (total seconds); ratio = uncompressed /"
                + " file size; x = oiiotool time / Prism time (> 1: Prism faster).");
        out.println("Prism: ExrWriter.write / ExrReader.read of the same file, " + threads + " thread(s), best of " + iterations
                + ". oiiotool: \"Total time\" of a read-only run (decode) and the -o step (encode incl. disk write), --threads "
                + threads + ", best of " + oiiotoolRuns + ".");
        if (inflatedInputSteps > 0) {
            out.printf(Locale.ROOT, "note: oiiotool's own -i step was up to %.1fx its read-only total in %d run(s)"
                    + " (OIIO 2.4 double-counts it); not used.%n", inflatedInputFactor, inflatedInputSteps);
        }
    }

    private static String speed(double mb, double seconds) {
        return String.format(Locale.ROOT, "%7.1f MB/s (%.2fs)", mb / seconds, seconds);
    }

    private static String ratio(double a, double b) {
        return String.format(Locale.ROOT, "%.2f", a / b);
    }

    private static String shorten(Path f) {
        String s = f.toString();
        return s.length() <= 40 ? s : "..." + s.substring(s.length() - 37);
    }

    /** HALF when every channel of the source is HALF (all the sample images), else FLOAT. */
    private static PixelType sourceType(ExrImage exr) {
        for (ExrPart p : exr.parts()) {
            for (ExrChannel c : p.header().channels()) {
                if (c.type() != PixelType.HALF) return PixelType.FLOAT;
            }
        }
        return PixelType.HALF;
    }

    private List<Path> findFiles() throws IOException {
        List<Path> roots = new ArrayList<>(inputs);
        if (roots.isEmpty()) {
            String shared = System.getProperty("prism.shared.dir", "../shared");
            roots.add(Path.of(shared, "testdata", "openexr"));
        }
        List<Path> files = new ArrayList<>();
        for (Path r : roots) {
            if (Files.isDirectory(r)) {
                try (Stream<Path> s = Files.walk(r)) {
                    s.filter(p -> p.toString().endsWith(".exr") && !p.toString().contains("/Damaged/")).sorted()
                            .forEach(files::add);
                }
            } else if (Files.isRegularFile(r)) {
                files.add(r);
            }
        }
        return files;
    }

    /** The image in a compression Prism cannot write, written by oiiotool from an uncompressed copy; null on failure. */
    private static Path writtenByOiiotool(FloatImage img, PixelType type, Compression c, Path tmp) throws IOException {
        Path plain = tmp.resolve("plain.exr");
        ExrWriter.write(plain, img, ExrWriteOptions.defaults().compression(Compression.NONE).pixelType(type));
        Path file = tmp.resolve("in-" + c + ".exr");
        Process p = new ProcessBuilder("oiiotool", plain.toString(), "--compression", c.name().toLowerCase(Locale.ROOT),
                "-o", file.toString()).redirectErrorStream(true).start();
        p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
        try {
            return p.waitFor() == 0 ? file : null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    private static boolean oiiotoolAvailable() {
        try {
            Process p = new ProcessBuilder("oiiotool", "--version").redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            return p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static final Pattern STEP = Pattern.compile("^\\s*(-i|-o)\\s*:\\s*([0-9.]+)\\s*$");
    private static final Pattern TOTAL = Pattern.compile("^\\s*Total time:\\s*(?:(\\d+)h\\s*)?(?:(\\d+)m\\s*)?([0-9.]+)s\\s*$");

    /** How often oiiotool's own -i step disagreed with its read-only "Total time" (the OIIO 2.4 double count). */
    private int inflatedInputSteps;
    private double inflatedInputFactor;

    /** {decode seconds, encode seconds} from oiiotool's --runstats, best of the runs; null if it failed. */
    private double[] oiiotoolTimes(Path in, Path out, Compression c) throws IOException, InterruptedException {
        double dec = Double.MAX_VALUE;
        double enc = Double.MAX_VALUE;
        for (int run = 0; run < oiiotoolRuns; run++) {
            Stats read = runstats(List.of("oiiotool", "--threads", String.valueOf(threads), "--runstats", "-i:now=1",
                    in.toString()));
            Stats full = runstats(List.of("oiiotool", "--threads", String.valueOf(threads), "--runstats", "-i:now=1",
                    in.toString(), "--compression", c.name().toLowerCase(Locale.ROOT), "-o", out.toString()));
            if (read == null || full == null || Double.isNaN(read.total()) || Double.isNaN(full.output())) return null;
            // cross-check: the full run's -i step should be the read-only run's total
            if (!Double.isNaN(full.input()) && read.total() >= 0.05 && full.input() > 1.5 * read.total()) {
                inflatedInputSteps++;
                inflatedInputFactor = Math.max(inflatedInputFactor, full.input() / read.total());
            }
            dec = Math.min(dec, read.total());
            enc = Math.min(enc, full.output());
        }
        return new double[] {dec, enc};
    }

    /** Seconds from one oiiotool --runstats report: "Total time", the -i and -o steps (NaN where absent). */
    record Stats(double total, double input, double output) {
        static Stats parse(String text) {
            double total = Double.NaN, input = Double.NaN, output = Double.NaN;
            for (String line : text.split("\n")) {
                Matcher t = TOTAL.matcher(line);
                if (t.matches()) {
                    total = (t.group(1) == null ? 0 : 3600 * Integer.parseInt(t.group(1)))
                            + (t.group(2) == null ? 0 : 60 * Integer.parseInt(t.group(2))) + Double.parseDouble(t.group(3));
                    continue;
                }
                Matcher m = STEP.matcher(line);
                if (m.matches()) {
                    if (m.group(1).equals("-i")) input = Double.parseDouble(m.group(2));
                    else output = Double.parseDouble(m.group(2));
                }
            }
            return new Stats(total, input, output);
        }
    }

    private static Stats runstats(List<String> command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) return null;
        return Stats.parse(text);
    }
}
