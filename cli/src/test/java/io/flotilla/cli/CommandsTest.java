package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The lazily built command tree ({@link Commands}, {@link Main#commandLine}) reaches every
 * command the whole tree has: help lists each, and each command and subcommand answers --help
 * when it is the one a run names.
 */
class CommandsTest {
    @Test
    void everyEntryNamesTheClassThatCarriesItsName() {
        for (Commands.Entry entry : Commands.ALL) {
            CommandLine.Command command = Commands.load(entry).getAnnotation(CommandLine.Command.class);
            assertThat(command).as(entry.className()).isNotNull();
            assertThat(command.name()).as(entry.className()).isEqualTo(entry.name());
        }
    }

    /**
     * A command class that no other command lists as its subcommand is a top-level one: it must
     * be in the registry, or no run could reach it.
     */
    @Test
    void everyTopLevelCommandClassIsRegistered() throws Exception {
        java.nio.file.Path classes = java.nio.file.Path.of(Main.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> commands = new ArrayList<>();
        try (var files = java.nio.file.Files.walk(classes.resolve("io/flotilla/cli"))) {
            for (java.nio.file.Path file : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                String name = classes.relativize(file).toString().replace('/', '.').replaceAll("\\.class$", "");
                Class<?> type = Class.forName(name, false, Main.class.getClassLoader());
                if (type.isAnnotationPresent(CommandLine.Command.class) && type != Main.class) {
                    commands.add(type);
                }
            }
        }
        java.util.Set<Class<?>> listedAsSubcommands = new java.util.HashSet<>();
        commands.forEach(c -> listedAsSubcommands.addAll(List.of(c.getAnnotation(CommandLine.Command.class).subcommands())));
        List<String> registered = Commands.ALL.stream().map(Commands.Entry::className).toList();
        List<String> topLevel = commands.stream().filter(c -> !listedAsSubcommands.contains(c)).map(Class::getName).toList();
        assertThat(topLevel).isNotEmpty();
        assertThat(registered).containsAll(topLevel);
        assertThat(Commands.ALL.stream().map(Commands.Entry::name)).contains("dev", "init", "join", "join-token", "ca",
                "demo", "stack", "service", "volume", "network", "secret", "config", "node", "discover", "registry", "events", "dashboard", "demo-app");
    }

    @Test
    void helpListsEveryCommand() {
        ShopEndToEndIT.CliResult result = Cli.run(null, "help");
        assertThat(result.exitCode()).as(result.toString()).isZero();
        for (Commands.Entry entry : Commands.ALL) {
            assertThat(result.out()).as(entry.name()).containsPattern("(?m)^\\s+" + java.util.regex.Pattern.quote(entry.name()) + "\\s");
        }
        ShopEndToEndIT.CliResult alone = Cli.run(null);
        for (Commands.Entry entry : Commands.ALL) {
            assertThat(alone.out() + alone.err()).as("flotilla alone: " + entry.name()).contains(" " + entry.name() + " ");
        }
    }

    @Test
    void aRunBuildsOnlyTheCommandItNames() {
        CommandLine line = Main.commandLine("service", "ls");
        assertThat(line.getSubcommands().keySet()).containsExactly("service");
        assertThat(Main.commandLine("--version").getSubcommands()).isEmpty();
        assertThat(Main.commandLine("no-such-command").getSubcommands()).containsKeys("help", "service", "dev");
    }

    @Test
    void everyCommandAndSubcommandAnswersHelpWhenBuiltAlone() {
        List<List<String>> paths = new ArrayList<>();
        collect(Main.wholeTree(new CommandLine(new Main())), new ArrayList<>(), paths);
        assertThat(paths.size()).isGreaterThan(Commands.ALL.size());
        for (List<String> path : paths) {
            List<String> args = new ArrayList<>(path);
            args.add("--help");
            ShopEndToEndIT.CliResult result = Cli.run(null, args.toArray(String[]::new));
            assertThat(result.exitCode()).as(path + ": " + result).isZero();
            assertThat(result.out()).as(path.toString()).contains("Usage: flotilla " + String.join(" ", path));
        }
    }

    @Test
    void versionPrintsWhatPicocliWouldWithoutBuildingItsModel() {
        var picocli = new java.io.StringWriter();
        new CommandLine(new Main()).printVersionHelp(new java.io.PrintWriter(picocli, true));
        for (String flag : List.of("--version", "-V")) {
            ShopEndToEndIT.CliResult result = Cli.run(null, flag);
            assertThat(result.exitCode()).isZero();
            assertThat(result.out()).isEqualTo(picocli.toString()).isEqualTo("flotilla 0.1.0" + System.lineSeparator());
        }
        assertThat(Cli.run(null, "service", "--version").out()).as("a subcommand's -V still goes through picocli")
                .isEqualTo(picocli.toString());
    }

    @Test
    void aMistypedCommandIsStillNamedWithTheCommandsThatExist() {
        ShopEndToEndIT.CliResult result = Cli.run(null, "servce", "ls");
        assertThat(result.exitCode()).isNotZero();
        assertThat(result.err()).contains("servce").contains("service");
    }

    private static void collect(CommandLine line, List<String> path, List<List<String>> into) {
        line.getSubcommands().forEach((name, sub) -> {
            if (name.equals("help") || !sub.getCommandName().equals(name)) {
                return; // help has no --help of its own; aliases are the same command
            }
            List<String> here = new ArrayList<>(path);
            here.add(name);
            into.add(here);
            collect(sub, here, into);
        });
    }
}
