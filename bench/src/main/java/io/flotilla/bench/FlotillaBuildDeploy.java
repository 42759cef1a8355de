package io.flotilla.bench;

import com.github.dockerjava.api.DockerClient;
import io.flotilla.agent.driver.docker.ContainerLabels;
import io.flotilla.cli.Main;
import io.flotilla.client.ApiClient;
import io.flotilla.model.TaskTemplate;
import io.flotilla.node.LocalNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Flotilla's side of {@code bench build}: a one-node cluster in this process on loopback (as
 * {@code flotilla dev}: Raft log on disk, the real agent with the docker driver, no overlay), and
 * the real {@code stack deploy} command run in this process ({@link Main#run}) against it, its
 * output stamped line by line ({@link DeployPhases}) and kept in a log per run. The command waits
 * for convergence, as a user's does without {@code -d}. A no-change redeploy can also be run as a
 * separate {@code flotilla} JVM, to show what a user waits for with the JVM's start included.
 */
final class FlotillaBuildDeploy implements AutoCloseable {
    static final String STACK = "flbb";

    private final DockerClient docker;
    private final Path dir;
    private final LocalNode node;
    private int runs;

    FlotillaBuildDeploy(DockerClient docker, Path dir) throws Exception {
        this.docker = docker;
        this.dir = dir;
        this.node = LocalNode.start(dir.resolve("node"), new InetSocketAddress("127.0.0.1", 0), null);
        ApiClient api = new ApiClient(node.apiHostPort());
        BenchWaits.awaitUntil("the local node offers the docker driver", Duration.ofSeconds(30), Duration.ofMillis(50),
                () -> api.nodes().stream().anyMatch(n -> n.status().drivers().contains(TaskTemplate.DOCKER)));
    }

    /** {@code stack deploy -c FILE flbb} in this process; its phases. */
    DeployPhases deploy(BuildContexts contexts) throws IOException {
        DeployPhases.Recorder recorder = new DeployPhases.Recorder();
        PrintStream stdout = System.out;
        int code;
        long start;
        long end;
        try (PrintStream captured = recorder.printStream()) {
            System.setOut(captured);
            start = System.nanoTime();
            code = Main.run("stack", "deploy", "--host", node.apiHostPort(), "--timeout", "300s", "-c",
                    contexts.composeFile().toString(), STACK);
            end = System.nanoTime();
        } finally {
            System.setOut(stdout);
        }
        List<String> text = new ArrayList<>();
        recorder.lines().forEach(l -> text.add("%.3f %s".formatted((l.at() - start) / 1e9, l.text())));
        Path log = Files.write(dir.resolve("deploy-" + (++runs) + ".log"), text);
        if (code != 0) {
            throw new IllegalStateException("stack deploy exited " + code + "; see " + log);
        }
        return DeployPhases.of(start, end, recorder.lines());
    }

    /**
     * {@code flotilla stack deploy} as its own JVM (this process's class path), as a user runs it:
     * seconds until it exits, the JVM's start included.
     */
    double deployAsProcess(BuildContexts contexts) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path log = dir.resolve("deploy-process-" + (++runs) + ".log");
        long start = System.nanoTime();
        Process process = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "io.flotilla.cli.Main",
                "stack", "deploy", "--host", node.apiHostPort(), "--tls-dir", dir.resolve("node").resolve("tls").toString(),
                "-c", contexts.composeFile().toString(), STACK).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        int code = process.waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (code != 0) {
            throw new IllegalStateException("flotilla stack deploy (own JVM) exited " + code + "; see " + log);
        }
        return seconds;
    }

    /**
     * {@code ./flotilla stack deploy} as a user's shell runs it, through the launcher
     * ({@code $FLOTILLA_HOME/flotilla}) and so through its CLI daemon once one runs: the first
     * call starts the daemon (and is not timed by the caller). The daemon's files go under
     * {@code DIR/home}. Seconds until the launcher exits.
     */
    double deployThroughLauncher(BuildContexts contexts) throws IOException, InterruptedException {
        Path launcher = launcher();
        if (launcher == null) {
            throw new IllegalStateException("no launcher: run the bench through ./flotilla (FLOTILLA_HOME)");
        }
        Path log = dir.resolve("deploy-launcher-" + (++runs) + ".log");
        ProcessBuilder builder = new ProcessBuilder(launcher.toString(), "stack", "deploy", "-c",
                contexts.composeFile().toString(), STACK).redirectErrorStream(true).redirectOutput(log.toFile());
        builder.environment().remove("XDG_RUNTIME_DIR");
        builder.environment().remove("FLOTILLA_CLI_DAEMON");
        builder.environment().putAll(java.util.Map.of("FLOTILLA_HOST", node.apiHostPort(),
                "FLOTILLA_TLS_DIR", dir.resolve("node").resolve("tls").toString(),
                "HOME", Files.createDirectories(dir.resolve("home")).toString(), "FLOTILLA_CLI_DAEMON_IDLE", "300"));
        long start = System.nanoTime();
        int code = builder.start().waitFor();
        double seconds = (System.nanoTime() - start) / 1e9;
        if (code != 0) {
            throw new IllegalStateException("./flotilla stack deploy exited " + code + "; see " + log);
        }
        return seconds;
    }

    /** {@code $FLOTILLA_HOME/flotilla}, the launcher a user runs; null when the bench runs without it (in a test). */
    static Path launcher() {
        String home = System.getenv("FLOTILLA_HOME");
        Path launcher = home == null ? null : Path.of(home).toAbsolutePath().resolve("flotilla");
        return launcher != null && Files.isExecutable(launcher) ? launcher : null;
    }

    /** Waits until the launcher's CLI daemon for {@link #deployThroughLauncher} listens. */
    void awaitCliDaemon() throws IOException, InterruptedException {
        new CliDaemons(dir.resolve("home")).await(Duration.ofSeconds(60));
    }

    /** Removes the stack and waits until its containers are gone, so that the next deploy starts them anew. */
    void removeStack() throws InterruptedException {
        ApiClient api = new ApiClient(node.apiHostPort());
        if (!api.services(STACK).isEmpty()) {
            api.removeStack(STACK);
        }
        BenchWaits.awaitUntil("the containers of stack " + STACK + " gone", Duration.ofMinutes(3), Duration.ofMillis(100),
                () -> DockerBenchCommand.all(docker, ContainerLabels.STACK, STACK).isEmpty());
    }

    @Override
    public void close() {
        new CliDaemons(dir.resolve("home")).stopAll();
        try {
            new ApiClient(node.apiHostPort()).removeStack(STACK);
        } catch (RuntimeException e) {
            // no stack left
        }
        node.close();
        DockerBenchCommand.removeAll(docker, ContainerLabels.STACK, STACK);
    }
}
