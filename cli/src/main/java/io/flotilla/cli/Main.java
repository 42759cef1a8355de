package io.flotilla.cli;

import io.flotilla.cli.commands.DemoCommand;
import io.flotilla.cli.commands.DevCommand;
import io.flotilla.cli.commands.InitCommand;
import io.flotilla.cli.commands.JoinCommand;
import io.flotilla.cli.commands.JoinTokenCommand;
import io.flotilla.cli.commands.NodeCommands;
import io.flotilla.cli.commands.ServiceCommands;
import io.flotilla.cli.commands.StackCommands;
import io.flotilla.client.ApiException;
import io.flotilla.compose.ComposeException;
import io.flotilla.demo.DemoAppCommand;
import java.util.ServiceLoader;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one binary: every role (dev node, CLI client, demo apps, and the benchmarks when they are on
 * the class path: {@link Subcommand}) is a subcommand.
 */
@Command(name = "flotilla", mixinStandardHelpOptions = true, version = "flotilla 0.1.0",
        scope = CommandLine.ScopeType.INHERIT, // -h/--help and -V/--version on every subcommand, as docker has
        description = "Keeps Compose stacks running across a cluster.",
        subcommands = {DevCommand.class, InitCommand.class, JoinCommand.class, JoinTokenCommand.class, io.flotilla.cli.commands.CaCommands.class, DemoCommand.class, StackCommands.class, ServiceCommands.class,
                io.flotilla.cli.commands.VolumeCommands.class, io.flotilla.cli.commands.NetworkCommands.class,
                NodeCommands.class, io.flotilla.cli.commands.DiscoverCommand.class, io.flotilla.cli.commands.RegistryCommands.class,
                DemoAppCommand.class})
public final class Main {
    public static void main(String[] args) {
        // gRPC (inside Ratis) logs through java.util.logging at INFO; Flotilla's own logs go through
        // Logback. Keep JUL to warnings so a user's terminal shows one log format.
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        System.exit(run(args));
    }

    public static int run(String... args) {
        CommandLine commandLine = new CommandLine(new Main());
        // flotilla bench (module bench), when the launcher put it on the class path: see Subcommand.
        for (Subcommand added : ServiceLoader.load(Subcommand.class)) {
            commandLine.addSubcommand(added);
        }
        commandLine.addSubcommand(new CommandLine.HelpCommand());
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
}
