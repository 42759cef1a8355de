package io.flotilla.cli;

import java.util.List;
import java.util.Optional;

/**
 * Every top-level command of {@code flotilla}, by name and class name, in the order help lists
 * them. {@link Main} builds the picocli model of the one command a run names and no other:
 * picocli reads every option of every class it is given by reflection, and building all of them
 * cost a client command (service ls, --version) about half of its run time. A new command is one
 * line here; {@code CommandsTest} checks that each line's class carries that name.
 *
 * <p>Commands of modules the cli does not depend on ({@link Subcommand}, e.g. {@code bench}) are
 * not listed: a name not found here makes {@link Main} build the whole tree, those included.
 */
public final class Commands {
    /** A top-level command: its name and the class that carries its {@code @Command}. */
    public record Entry(String name, String className) {}

    public static final List<Entry> ALL = List.of(
            new Entry("dev", "io.flotilla.cli.commands.DevCommand"),
            new Entry("init", "io.flotilla.cli.commands.InitCommand"),
            new Entry("join", "io.flotilla.cli.commands.JoinCommand"),
            new Entry("join-token", "io.flotilla.cli.commands.JoinTokenCommand"),
            new Entry("ca", "io.flotilla.cli.commands.CaCommands"),
            new Entry("cluster", "io.flotilla.cli.commands.ClusterCommands"),
            new Entry("demo", "io.flotilla.cli.commands.DemoCommand"),
            new Entry("stack", "io.flotilla.cli.commands.StackCommands"),
            new Entry("service", "io.flotilla.cli.commands.ServiceCommands"),
            new Entry("volume", "io.flotilla.cli.commands.VolumeCommands"),
            new Entry("network", "io.flotilla.cli.commands.NetworkCommands"),
            new Entry("secret", "io.flotilla.cli.commands.SecretCommands"),
            new Entry("config", "io.flotilla.cli.commands.ConfigCommands"),
            new Entry("node", "io.flotilla.cli.commands.NodeCommands"),
            new Entry("discover", "io.flotilla.cli.commands.DiscoverCommand"),
            new Entry("registry", "io.flotilla.cli.commands.RegistryCommands"),
            new Entry("events", "io.flotilla.cli.commands.EventsCommand"),
            new Entry("dashboard", "io.flotilla.cli.commands.DashboardCommand"),
            new Entry("demo-app", "io.flotilla.demo.DemoAppCommand"));

    private Commands() {}

    public static Optional<Entry> named(String name) {
        return ALL.stream().filter(e -> e.name().equals(name)).findFirst();
    }

    /** The class of {@code entry}; a registry line naming a missing class is a build error, said as one. */
    public static Class<?> load(Entry entry) {
        try {
            return Class.forName(entry.className());
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException("flotilla command " + entry.name() + ": class " + entry.className()
                    + " is not on the class path", e);
        }
    }
}
