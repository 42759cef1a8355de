package io.flotilla.cli;

import io.flotilla.client.ApiClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One real cluster node ({@code flotilla init} or {@code join}) in its own JVM, on its own
 * loopback address and data dir. Runs the packaged distribution ({@code cli/target/flotilla/lib})
 * with {@code java} directly rather than through {@code ./flotilla}, whose rebuild check would
 * race with other builds of the same tree; the command line is otherwise the launcher's.
 */
final class ClusterNodeProcess implements AutoCloseable {
    static final Path DIST = Path.of(System.getProperty("flotilla.dist", "target/flotilla")).toAbsolutePath();
    static final String JAVA_OPTS = System.getenv().getOrDefault("FLOTILLA_IT_JAVA_OPTS",
            "-XX:+UseSerialGC -Xmx160m -XX:TieredStopAtLevel=1 -Xss512k");

    final String address;
    final Path data;
    final Path log;
    private final List<String> args;
    /** How the command line runs: as is, or inside a test-bed host ({@link NetnsHosts#inHost}). */
    private java.util.function.UnaryOperator<List<String>> wrap = command -> command;
    private Process process;

    ClusterNodeProcess(String address, Path data, String... args) {
        this.address = address;
        this.data = data;
        this.log = data.resolveSibling(data.getFileName() + ".log");
        this.args = List.of(args);
    }

    ClusterNodeProcess start() throws IOException {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.addAll(List.of(JAVA_OPTS.split(" ")));
        command.addAll(List.of("--enable-native-access=ALL-UNNAMED", "-cp", DIST.resolve("lib") + "/*",
                "io.flotilla.cli.Main"));
        command.addAll(args);
        process = new ProcessBuilder(wrap.apply(command)).directory(DevNodeProcess.ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        return this;
    }

    /** This node inside test-bed host {@code host}'s network namespace, with that host's Docker daemon. */
    ClusterNodeProcess inHost(int host) {
        wrap = command -> NetnsHosts.inHost(host, command);
        return this;
    }

    /** The same node again on its data dir: {@code join --data DIR} brings it back with its identity. */
    ClusterNodeProcess restart() throws IOException {
        List<String> again = List.of(args.getFirst(), "--data", data.toString());
        return new ClusterNodeProcess(address, data, again.toArray(String[]::new)).start();
    }

    String api() {
        return address + ":" + ApiClient.DEFAULT_PORT;
    }

    long pid() {
        return process.pid();
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
    }

    void signal(String name) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).inheritIO().start().waitFor();
    }

    String output() {
        try {
            return Files.exists(log) ? Files.readString(log) : "(no output)";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            try {
                signal("CONT"); // a stopped JVM cannot act on SIGKILL's cleanup otherwise
            } catch (IOException e) {
                // best effort
            }
            process.destroyForcibly();
            process.waitFor(20, TimeUnit.SECONDS);
        }
    }

    static void awaitApi(String api, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        while (true) {
            try {
                new ApiClient(api).info();
                return;
            } catch (RuntimeException notYet) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("no API at " + api + " within " + max);
                }
                DevNodeProcess.sleep(100);
            }
        }
    }
}
