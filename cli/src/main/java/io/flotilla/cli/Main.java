package io.flotilla.cli;

import io.flotilla.client.ApiException;
import io.flotilla.compose.ComposeException;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one binary: every role (dev node, CLI client, demo apps, and the benchmarks when they are on
 * the class path: {@link Subcommand}) is a subcommand, listed in {@link Commands}.
 */
@Command(name = "flotilla", mixinStandardHelpOptions = true, version = Main.VERSION,
        scope = CommandLine.ScopeType.INHERIT, // -h/--help and -V/--version on every subcommand, as docker has
        description = "Keeps Compose stacks running across a cluster.")
public final class Main {
    /** What {@code --version} prints. */
    public static final String VERSION = "flotilla 0.1.0";

    public static void main(String[] args) {
        forgetUnusableCache();
        if (isVersion(args)) {
            System.out.println(VERSION); // before any set-up: see run
            System.exit(0);
        }
        // gRPC (inside Ratis) logs through java.util.logging at INFO; Flotilla's own logs go through
        // Logback. Keep JUL to warnings so a user's terminal shows one log format.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        System.exit(run(args));
    }

    /**
     * The launcher names the class cache it passed ({@code -Dflotilla.cli.cache}, scripts/cli-cache.sh).
     * A cache the JVM could not map (corrupt, made by another build of the JDK) leaves it without
     * class sharing at all, and java ignores it silently: delete it, so the next command makes a
     * new one.
     */
    static void forgetUnusableCache() {
        String cache = System.getProperty("flotilla.cli.cache");
        if (cache != null && !System.getProperty("java.vm.info", "").contains("sharing")) {
            try {
                java.nio.file.Files.deleteIfExists(java.nio.file.Path.of(cache));
            } catch (java.io.IOException | RuntimeException e) {
                // not ours to fix here: the command itself must run
            }
        }
    }

    public static int run(String... args) {
        if (isVersion(args)) {
            // What picocli prints for it, without building its model or reading an annotation
            // (its proxy is spun at run time): ~230 of a 270 ms run. CommandsTest compares the two.
            System.out.println(VERSION);
            return 0;
        }
        CommandLine commandLine = commandLine(args);
        commandLine.setExecutionExceptionHandler((e, cmd, parseResult) -> {
            switch (e) {
                case ApiException api -> System.err.println("Error: " + api.getMessage());
                case ComposeException compose -> System.err.println("Error: " + compose.getMessage());
                case IllegalArgumentException bad -> System.err.println("Error: " + bad.getMessage());
                default -> {
                    System.err.println("Error: " + e);
                    e.printStackTrace(System.err);
                }
            }
            return 1;
        });
        return commandLine.execute(args);
    }

    private static boolean isVersion(String[] args) {
        return args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
    }

    /**
     * The picocli model a run needs: the one command {@code args} names, or none for
     * {@code --version}; the whole tree (every listed command, the {@link Subcommand}s found on
     * the class path, {@code help}) for anything else, so that help, completion of a mistyped name
     * and the commands of other modules work as before.
     */
    static CommandLine commandLine(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        String first = args.length == 0 ? "" : args[0];
        if (first.equals("-V") || first.equals("--version")) {
            return commandLine;
        }
        var named = Commands.named(first);
        if (named.isPresent()) {
            commandLine.addSubcommand(named.get().name(), Commands.load(named.get()));
            return commandLine;
        }
        return wholeTree(commandLine);
    }

    static CommandLine wholeTree(CommandLine commandLine) {
        for (Commands.Entry entry : Commands.ALL) {
            commandLine.addSubcommand(entry.name(), Commands.load(entry));
        }
        // flotilla bench (module bench), when the launcher put it on the class path: see Subcommand.
        for (Subcommand added : ServiceLoader.load(Subcommand.class)) {
            commandLine.addSubcommand(added);
        }
        commandLine.addSubcommand(new CommandLine.HelpCommand());
        return commandLine;
    }
}
