package io.flotilla.cli;

import io.flotilla.client.ApiClient;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code flotilla dev} node in its own process, started through the {@code ./flotilla}
 * launcher as a user would, with its output kept in a file for when a test fails.
 */
final class DevNodeProcess implements AutoCloseable {
    static final Path ROOT = Path.of(System.getProperty("flotilla.root", "..")).toAbsolutePath().normalize();

    final Path data;
    /** The loopback address it listens on (API, Raft, the mesh's published ports). */
    final String address;
    final int apiPort;
    final Path log;
    private Process process;

    DevNodeProcess(Path data) throws IOException {
        this(data, "127.0.0.1");
    }

    /** On {@code address}: a test of its own (DashboardIT: 127.0.11.x) keeps off the others' published ports. */
    DevNodeProcess(Path data, String address) throws IOException {
        this.data = data;
        this.address = address;
        this.apiPort = freePort();
        this.log = data.resolveSibling(data.getFileName() + "-dev.log");
    }

    /** Starts it and waits until its API answers; {@code extraArgs} go to {@code flotilla dev} ({@code --no-dns}). */
    DevNodeProcess start(String... extraArgs) throws IOException {
        // The CLI in this JVM (ApiClient, Cli.run) uses the admin credential `dev` writes to DATA/tls.
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, data.resolve("tls").toString());
        List<String> command = new ArrayList<>(List.of(ROOT.resolve("flotilla").toString(), "dev", "--data", data.toString(),
                "--api", address + ":" + apiPort, "--raft", address + ":" + freePort()));
        command.addAll(List.of(extraArgs));
        process = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        ApiClient api = api();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                api.info();
                return this;
            } catch (RuntimeException notYet) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new IllegalStateException("flotilla dev did not come up; its output:\n" + output());
                }
                sleep(100);
            }
        }
    }

    ApiClient api() {
        return new ApiClient(address + ":" + apiPort);
    }

    String host() {
        return address + ":" + apiPort;
    }

    long pid() {
        return process.pid();
    }

    /** SIGKILL: no shutdown hook runs, as when a host's process is killed. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(30, TimeUnit.SECONDS);
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
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Every live process whose environment says it belongs to a task of {@code nodeId} (task
     * processes, their shims, health checks), by reading /proc.
     */
    static List<Long> taskProcesses(String nodeId) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> environ(p.pid()).ifPresent(env -> {
            if (env.contains("FLOTILLA_NODE_ID=" + nodeId + "\0") && env.contains("FLOTILLA_TASK_ID=")) {
                pids.add(p.pid());
            }
        }));
        return pids;
    }

    /** The tasks' application processes only: the demo apps' JVMs. */
    static List<Long> demoAppProcesses(String nodeId) {
        return taskProcesses(nodeId).stream().filter(pid -> cmdline(pid).contains("io.flotilla.cli.Main demo-app")).toList();
    }

    private static String cmdline(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline"))).replace('\0', ' ');
        } catch (IOException | SecurityException e) {
            return "";
        }
    }

    private static Optional<String> environ(long pid) {
        try {
            return Optional.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"))));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }
}
