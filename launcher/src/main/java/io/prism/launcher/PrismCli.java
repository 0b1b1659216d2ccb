package io.prism.launcher;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
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
 * command lives next to the code it drives. Contributed commands named {@code bench-x} appear as {@code prism bench x}.
 */
@Command(name = "prism", mixinStandardHelpOptions = true, version = "prism 0.1.0",
        description = "Render-farm frames in, machine-learned render layers (albedo, transparency mask) out.",
        subcommands = {InfraCommand.class, ServeCommand.class, io.prism.launcher.demo.DemoCommand.class, CommandLine.HelpCommand.class})
public final class PrismCli implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }

    @Command(name = "bench", description = "Benchmarks: print a table with ratios against a reference measured in the same run.",
            subcommands = CommandLine.HelpCommand.class)
    static final class Bench implements Runnable {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Override
        public void run() {
            spec.commandLine().usage(System.out);
        }
    }

    public static CommandLine commandLine() {
        CommandLine cli = new CommandLine(new PrismCli());
        CommandLine bench = new CommandLine(new Bench());
        for (Object command : contributedCommands()) {
            CommandLine sub = new CommandLine(command);
            String name = sub.getCommandName();
            if (name.startsWith("bench-")) {
                bench.addSubcommand(name.substring("bench-".length()), sub);
            } else {
                cli.addSubcommand(name, sub);
            }
        }
        cli.addSubcommand("bench", bench);
        return cli;
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
        int code = commandLine().execute(args);
        if (code != 0 || !ServeCommand.keepsRunning()) {
            System.exit(code);
        }
    }
}
