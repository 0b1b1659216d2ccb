package io.prism.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code prism} command. Its own subcommands run infrastructure and services; every other module contributes
 * commands by listing picocli command classes in {@code META-INF/prism/commands} (one class name a line), so each
 * command lives next to the code it drives. Contributed commands named {@code bench-x} appear as {@code prism bench x}
 * (and their usage says so).
 *
 * <p>Every command and group answers {@code --help} and {@code --version}. A command that fails prints one line,
 * {@code prism <command>: <message>}, and exits 1; {@code --verbose} (anywhere on the line) or the environment
 * variable {@code PRISM_DEBUG} adds the stack trace. A mistyped command line prints the problem and a pointer to
 * {@code --help} and exits 2 (picocli's usage-error status).
 */
@Command(name = "prism", mixinStandardHelpOptions = true, version = "prism 0.1.0",
        description = "Render-farm frames in, machine-learned render layers (albedo, transparency mask) out.",
        footer = "Add --verbose (or set PRISM_DEBUG=1) to see the stack trace of a failure.",
        subcommands = {InfraCommand.class, ServeCommand.class, io.prism.launcher.demo.DemoCommand.class, CommandLine.HelpCommand.class})
public final class PrismCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "bench", mixinStandardHelpOptions = true, description = "Benchmarks: print a table with ratios against a reference measured in the same run.",
            subcommands = CommandLine.HelpCommand.class)
    static final class Bench implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    /** The whole command tree, without failure handling (see {@link #run}). */
    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PrismCli());
        CommandLine bench = new CommandLine(new Bench());
        for (Object command : contributedCommands()) {
            CommandLine sub = new CommandLine(command);
            String name = sub.getCommandName();
            if (name.startsWith("bench-")) {
                // usage says "prism bench exr", as typed, not "prism bench bench-exr"
                String typed = name.substring("bench-".length());
                sub.getCommandSpec().name(typed);
                bench.addSubcommand(typed, sub);
            } else {
                cli.addSubcommand(name, sub);
            }
        }
        cli.addSubcommand("bench", bench);
        withHelp(cli);
        return cli;
    }

    /** Gives every command and group of the tree --help/--version (contributed commands may lack them). */
    private static void withHelp(CommandLine cmd) {
        if (!cmd.getCommandSpec().mixinStandardHelpOptions() && cmd.getCommandSpec().findOption("--help") == null) {
            cmd.getCommandSpec().mixinStandardHelpOptions(true);
        }
        for (CommandLine sub : new LinkedHashSet<>(cmd.getSubcommands().values())) withHelp(sub);
    }

    /**
     * Runs the command line the way {@code prism} does: a failure is one line on stderr and exit status 1, with the
     * stack trace only when {@code verbose}.
     */
    public static int run(String[] args, boolean verbose, PrintWriter err) {
        CommandLine cli = commandLine();
        cli.setErr(err);
        cli.setParameterExceptionHandler((e, a) -> {
            String name = e.getCommandLine().getCommandSpec().qualifiedName();
            err.println(name + ": " + oneLine(e));
            err.println("Try '" + name + " --help' for usage.");
            err.flush();
            return e.getCommandLine().getCommandSpec().exitCodeOnInvalidInput();
        });
        cli.setExecutionExceptionHandler((e, cmd, parsed) -> {
            if (verbose) {
                e.printStackTrace(err);
            } else {
                err.println(cmd.getCommandSpec().qualifiedName() + ": " + oneLine(e));
            }
            err.flush();
            return 1;
        });
        return cli.execute(args);
    }

    /** A failure as one readable line: the innermost useful message, naming the exception only when it has none. */
    static String oneLine(Throwable e) {
        Throwable t = e;
        while ((t.getMessage() == null || t.getMessage().isBlank()) && t.getCause() != null && t.getCause() != t) t = t.getCause();
        String msg = t.getMessage();
        if (t instanceof java.nio.file.NoSuchFileException) return "no such file: " + msg;
        if (t instanceof java.nio.file.AccessDeniedException) return "permission denied: " + msg;
        if (msg == null || msg.isBlank()) return t.getClass().getSimpleName();
        int nl = msg.indexOf('\n');
        return nl < 0 ? msg : msg.substring(0, nl);
    }

    /** True when the user asked for stack traces: {@code --verbose} on the line or {@code PRISM_DEBUG} set (not 0/false). */
    static boolean verbose(List<String> args) {
        String debug = System.getenv("PRISM_DEBUG");
        boolean env = debug != null && !debug.isBlank() && !debug.equals("0") && !debug.equalsIgnoreCase("false");
        int end = args.indexOf("--");
        return env || (end < 0 ? args : args.subList(0, end)).contains("--verbose");
    }

    /** The arguments without the launcher's own {@code --verbose} (before any "--"). */
    static String[] withoutVerbose(List<String> args) {
        List<String> out = new ArrayList<>();
        boolean rest = false;
        for (String a : args) {
            if (a.equals("--")) rest = true;
            if (rest || !a.equals("--verbose")) out.add(a);
        }
        return out.toArray(new String[0]);
    }

    static List<Object> contributedCommands() {
        Set<String> names = new LinkedHashSet<>();
        try {
            Enumeration<URL> urls = PrismCli.class.getClassLoader().getResources("META-INF/prism/commands");
            while (urls.hasMoreElements()) {
                try (var r = new BufferedReader(new InputStreamReader(urls.nextElement().openStream(), StandardCharsets.UTF_8))) {
                    r.lines().map(String::trim).filter(l -> !l.isEmpty() && !l.startsWith("#")).forEach(names::add);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list contributed commands", e);
        }
        List<Object> commands = new ArrayList<>();
        for (String n : names) {
            try {
                commands.add(Class.forName(n).getDeclaredConstructor().newInstance());
            } catch (ReflectiveOperationException e) {
                throw new IllegalStateException("command class " + n + " listed in META-INF/prism/commands cannot be created", e);
            }
        }
        return commands;
    }

    public static void main(String[] args) {
        // DJL must never call home: set before any DJL class loads.
        System.setProperty("ai.djl.offline", "true");
        System.setProperty("OPT_OUT_TRACKING", "true");
        List<String> list = List.of(args);
        int code = run(withoutVerbose(list), verbose(list), new PrintWriter(System.err, true));
        if (code != 0 || !ServeCommand.keepsRunning()) {
            System.exit(code);
        }
    }
}
