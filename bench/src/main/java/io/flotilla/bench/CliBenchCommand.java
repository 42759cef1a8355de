package io.flotilla.bench;

import io.flotilla.cli.Table;
import io.flotilla.node.LocalNode;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 18's CLI benchmark: wall time of {@code ./flotilla} commands as a user's shell runs them
 * (the launcher, the JVM's start, the class cache of scripts/cli-cache.sh, TLS, the answer), on a
 * one-node cluster started in this process on loopback (process driver) with a stack of N
 * services: {@code --version}, {@code service ls}, and a no-change {@code stack deploy} of the
 * stack, each as its own JVM ({@code FLOTILLA_CLI_DAEMON=0}) and served by the CLI daemon
 * (scripts/cli-daemon.sh, started first); beside them {@code docker version}, and {@code docker
 * service ls} when the host's daemon is a swarm manager (the bench does not make it one). The class cache is made first if it is
 * missing or stale, and one run of each command is left out. Prints a table; asserts nothing.
 */
@Command(name = "cli", description = "Benchmark the CLI's wall time (flotilla --version, service ls, no-change stack deploy) against docker's.")
public final class CliBenchCommand implements Callable<Integer> {
    @Option(names = "--runs", defaultValue = "10", description = "Timed runs of each command (default 10).")
    int runs;

    @Option(names = "--services", defaultValue = "20", description = "Services in the stack deployed again unchanged (default 20).")
    int services;

    @Option(names = "--api", defaultValue = "127.0.12.10:4780", paramLabel = "HOST:PORT",
            description = "Where the bench's node listens (default 127.0.12.10:4780, an address no test uses).")
    String api;

    @Option(names = "--data", paramLabel = "DIR", description = "Node data and stack file (default: a temporary directory, removed at the end).")
    Path data;

    /** One command's timed runs, in seconds. */
    record Row(String command, List<Double> seconds, String note) {}

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || services < 1 || services > 200) {
            System.err.println("bench cli: --runs must be at least 1 and --services between 1 and 200");
            return 2;
        }
        String home = System.getenv("FLOTILLA_HOME");
        if (home == null || !Files.isExecutable(Path.of(home, "flotilla"))) {
            System.err.println("bench cli: run it through ./flotilla bench cli (FLOTILLA_HOME names the launcher to time)");
            return 2;
        }
        Path launcher = Path.of(home, "flotilla");
        Path dir = data != null ? Files.createDirectories(data) : Files.createTempDirectory("flotilla-bench-cli");
        String[] hostPort = api.split(":");
        System.out.println("bench cli: one node on " + api + ", process driver, " + services + " services; data in " + dir);
        System.out.println("load average at start: " + loadAverage());
        List<Row> rows = new ArrayList<>();
        try (LocalNode node = LocalNode.start(dir.resolve("node"), new InetSocketAddress(hostPort[0], Integer.parseInt(hostPort[1])), null)) {
            Path daemonHome = Files.createDirectories(dir.resolve("home")); // the daemons' files, apart from the user's
            Map<String, String> env = Map.of("FLOTILLA_HOST", node.apiHostPort(),
                    "FLOTILLA_TLS_DIR", dir.resolve("node").resolve("tls").toString(), "HOME", daemonHome.toString(),
                    "FLOTILLA_CLI_DAEMON_IDLE", "300");
            Path stack = writeStack(dir, services);
            System.out.println("deploying the stack (" + services + " services) ...");
            run(launcher, env, Map.of("FLOTILLA_CLI_DAEMON", "0"), "stack", "deploy", "-c", stack.toString(), "clibench");
            System.out.println("making the CLI's class cache if it is missing or stale ...");
            run(launcher, env, Map.of("FLOTILLA_CLI_CACHE_SYNC", "1", "FLOTILLA_CLI_DAEMON", "0"), "--version");
            Map<String, String> ownJvm = Map.of("FLOTILLA_CLI_DAEMON", "0");
            rows.add(time(launcher, env, ownJvm, "flotilla --version", "--version"));
            rows.add(time(launcher, env, ownJvm, "flotilla service ls", "service", "ls"));
            rows.add(time(launcher, env, ownJvm, "flotilla stack deploy (" + services + " unchanged)",
                    "stack", "deploy", "-c", stack.toString(), "clibench"));
            System.out.println("starting the CLI daemon (the first command of this environment starts it) ...");
            run(launcher, env, Map.of(), "--version");
            new CliDaemons(daemonHome).await(Duration.ofSeconds(60));
            rows.add(time(launcher, env, Map.of(), "flotilla --version, daemon", "--version"));
            rows.add(time(launcher, env, Map.of(), "flotilla service ls, daemon", "service", "ls"));
            rows.add(time(launcher, env, Map.of(), "flotilla stack deploy (" + services + " unchanged), daemon",
                    "stack", "deploy", "-c", stack.toString(), "clibench"));
            rows.addAll(docker());
            try {
                run(launcher, env, Map.of("FLOTILLA_CLI_DAEMON", "0"), "stack", "rm", "clibench");
            } catch (IOException e) {
                System.err.println("bench cli: " + e.getMessage());
            }
        } finally {
            new CliDaemons(dir.resolve("home")).stopAll();
            if (data == null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(Collections.reverseOrder()).forEach(f -> f.toFile().delete());
                }
            }
        }
        System.out.println("load average at end: " + loadAverage());
        System.out.println();
        table(rows).print(System.out);
        return 0;
    }

    static Table table(List<Row> rows) {
        Table table = new Table("COMMAND", "RUNS", "MEDIAN", "MIN", "MAX");
        for (Row row : rows) {
            if (row.seconds().isEmpty()) {
                table.row(row.command(), 0, "-", "-", row.note());
                continue;
            }
            List<Double> sorted = new ArrayList<>(row.seconds());
            Collections.sort(sorted);
            table.row(row.command(), sorted.size(), millis(sorted.get(sorted.size() / 2)), millis(sorted.getFirst()),
                    millis(sorted.getLast()));
        }
        return table;
    }

    static String millis(double seconds) {
        return String.format(Locale.ROOT, "%.0f ms", seconds * 1000);
    }

    static Path writeStack(Path dir, int services) throws IOException {
        StringBuilder text = new StringBuilder("services:\n");
        for (int i = 1; i <= services; i++) {
            text.append(String.format(Locale.ROOT, """
                      s%02d:
                        command: ["sleep", "3600"]
                        x-flotilla: {driver: process}
                        stop_grace_period: 1s
                    """, i));
        }
        return Files.writeString(dir.resolve("compose.yaml"), text);
    }

    /** One warm-up run, then {@link #runs} timed ones. */
    private Row time(Path launcher, Map<String, String> env, Map<String, String> extra, String name, String... args)
            throws Exception {
        run(launcher, env, extra, args);
        List<Double> seconds = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            seconds.add(run(launcher, env, extra, args));
        }
        System.out.println(name + ": " + seconds.stream().map(CliBenchCommand::millis).toList());
        return new Row(name, seconds, "");
    }

    private List<Row> docker() throws Exception {
        List<Row> rows = new ArrayList<>();
        Path docker = Path.of("docker");
        try {
            run(docker, Map.of(), Map.of(), "version");
        } catch (IOException e) {
            System.out.println("docker rows skipped: " + e.getMessage());
            rows.add(new Row("docker version", List.of(), "skipped: no docker CLI or daemon"));
            return rows;
        }
        rows.add(time(docker, Map.of(), Map.of(), "docker version", "version"));
        String swarm = DockerCli.run("info", "--format", "{{.Swarm.LocalNodeState}} {{.Swarm.ControlAvailable}}");
        if (swarm.equals("active true")) {
            rows.add(time(docker, Map.of(), Map.of(), "docker service ls", "service", "ls"));
        } else {
            System.out.println("docker service ls skipped: the daemon is not a swarm manager (" + swarm
                    + "); the bench does not make it one");
            rows.add(new Row("docker service ls", List.of(), "skipped: not a swarm manager"));
        }
        return rows;
    }

    /** Runs {@code program args} with its output discarded; seconds from start to exit. */
    private static double run(Path program, Map<String, String> env, Map<String, String> extra, String... args)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(program.toString());
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().remove("XDG_RUNTIME_DIR"); // the launcher's daemon files go under $HOME
        builder.environment().remove("FLOTILLA_CLI_DAEMON");
        builder.environment().putAll(env);
        builder.environment().putAll(extra);
        Path output = Files.createTempFile("flotilla-bench-cli", ".out");
        try {
            builder.redirectOutput(output.toFile());
            long start = System.nanoTime();
            Process process = builder.start();
            if (!process.waitFor(5, TimeUnit.MINUTES)) {
                process.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not end within 5 minutes");
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            if (process.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " exited " + process.exitValue() + ": "
                        + Files.readString(output).strip());
            }
            return seconds;
        } finally {
            Files.deleteIfExists(output);
        }
    }

    private static String loadAverage() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).strip();
        } catch (IOException e) {
            return "unknown";
        }
    }
}
