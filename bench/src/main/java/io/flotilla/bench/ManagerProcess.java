package io.flotilla.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A manager in its own JVM ({@link ScaleManagerCommand}) with an explicit heap, so that its heap
 * per task is its own. Measures: heap used after a full GC ({@code jcmd GC.run}, then
 * {@code GC.heap_info}), and the bytes of Raft log written (segment files are sampled as they
 * come, since snapshots purge them).
 */
final class ManagerProcess implements AutoCloseable {
    private static final Pattern USED = Pattern.compile("used (\\d+)K");

    private final Process process;
    private final Path data;
    private final URI api;
    private final Map<String, Long> segmentBytes = new HashMap<>();

    private final String peer;

    private ManagerProcess(Process process, Path data, URI api, String peer) {
        this.process = process;
        this.data = data;
        this.api = api;
        this.peer = peer;
    }

    static ManagerProcess start(Path data, String heap, Duration heartbeatTimeout) throws IOException, InterruptedException {
        Ports ports = Ports.on("127.0.0.1");
        return start(data, heap, heartbeatTimeout, "m1", ports, List.of()).awaitReady(Duration.ofSeconds(60));
    }

    /**
     * Free API and Raft ports on one loopback address (127.0.0.2, .3 … stand for separate hosts).
     * The API port is the Raft port minus one, as with the defaults 4780/4781: managers tell each
     * other's API address by that rule (a follower names the leader's API so).
     */
    record Ports(String host, int api, int raft) {
        static Ports on(String host) throws IOException {
            for (int attempt = 0; attempt < 100; attempt++) {
                int raft = freePort(host);
                if (raft > 1024 && isFree(host, raft - 1)) {
                    return new Ports(host, raft - 1, raft);
                }
            }
            throw new IOException("no two adjacent free ports on " + host);
        }

        /** As {@code scale-manager --join/--members} take it: ID=API=RAFT. */
        String peer(String id) {
            return id + "=" + host + ":" + api + "=" + host + ":" + raft;
        }
    }

    /**
     * Starts {@code scale-manager} as {@code id} on {@code ports}, with {@code extra} arguments
     * ({@code --join}, {@code --members}); returns once it printed READY.
     */
    static ManagerProcess start(Path data, String heap, Duration heartbeatTimeout, String id, Ports ports,
                                List<String> extra) throws IOException, InterruptedException {
        Files.createDirectories(data);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xms" + heap, "-Xmx" + heap, "-XX:+UseG1GC",
                "-Dsun.net.httpserver.maxIdleConnections=20000", "-Dsun.net.httpserver.idleInterval=120",
                "-cp", System.getProperty("java.class.path"), "io.flotilla.cli.Main", "bench", "scale-manager",
                "--id", id, "--data", data.toString(), "--api", ports.host() + ":" + ports.api(),
                "--raft", ports.host() + ":" + ports.raft(), "--heartbeat-timeout", heartbeatTimeout.toSeconds() + "s"));
        command.addAll(extra);
        Path log = data.resolve("manager.log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        return new ManagerProcess(process, data, URI.create("http://" + ports.host() + ":" + ports.api()), ports.peer(id));
    }

    /** Waits until the manager printed READY (it leads, or serves as a joining peer). */
    ManagerProcess awaitReady(Duration max) throws IOException, InterruptedException {
        Path log = data.resolve("manager.log");
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException("manager exited; see " + log);
            }
            if (Files.readString(log).contains("READY ")) {
                return this;
            }
            Thread.sleep(100);
        }
        process.destroyForcibly();
        throw new IOException("manager not ready within " + max.toSeconds() + " s; see " + log);
    }

    /** This manager as a Raft peer, ID=API=RAFT. */
    String peer() {
        return peer;
    }

    /** Bytes of the newest snapshot file of each size seen (the state machine's snapshots under raft/). */
    List<String> snapshotFiles() {
        try (Stream<Path> files = Files.walk(data.resolve("raft"))) {
            return files.filter(f -> f.getFileName().toString().startsWith("snapshot.") && !f.toString().endsWith(".md5")
                            && !f.toString().endsWith(".tmp"))
                    .map(f -> {
                        try {
                            return f.getFileName() + " " + (Files.size(f) >> 20) + " MB";
                        } catch (IOException e) {
                            return f.getFileName() + " (gone)";
                        }
                    }).sorted().toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    URI api() {
        return api;
    }

    long pid() {
        return process.pid();
    }

    /** Heap used after a full GC, in bytes. */
    long heapUsedAfterGc() throws IOException, InterruptedException {
        jcmd("GC.run");
        String info = jcmd("GC.heap_info");
        Matcher matcher = USED.matcher(info);
        if (!matcher.find()) {
            throw new IOException("cannot read heap usage from jcmd: " + info);
        }
        return Long.parseLong(matcher.group(1)) * 1024;
    }

    private String jcmd(String what) throws IOException, InterruptedException {
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        Process p = new ProcessBuilder(jcmd, Long.toString(process.pid()), what).redirectErrorStream(true).start();
        String out;
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            out = String.join("\n", reader.lines().toList());
        }
        p.waitFor();
        return out;
    }

    /** Samples the Raft log segment files; returns the bytes of every segment seen so far. */
    synchronized long sampleLogBytes() {
        try (Stream<Path> files = Files.walk(data.resolve("raft"))) {
            files.filter(f -> f.getFileName().toString().startsWith("log_")).forEach(f -> {
                try {
                    String name = f.getFileName().toString();
                    String key = name.startsWith("log_inprogress_") ? name.substring("log_inprogress_".length())
                            : name.substring(4, name.indexOf('-') < 0 ? name.length() : name.indexOf('-'));
                    segmentBytes.merge(key, Files.size(f), Math::max);
                } catch (IOException | RuntimeException e) {
                    // purged while we looked
                }
            });
        } catch (IOException | RuntimeException e) {
            // the directory is changing; next sample
        }
        return segmentBytes.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Snapshot lines of the manager's log ("snapshot taken at ..."). */
    List<String> snapshotLines() throws IOException {
        return Files.readAllLines(data.resolve("manager.log")).stream()
                .filter(l -> l.contains("snapshot taken") || l.contains("reconcile pass") || l.contains("leading in term")).toList();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            process.destroyForcibly();
        }
    }

    private static boolean isFree(String host, int port) {
        try (ServerSocket socket = new ServerSocket(port, 1, java.net.InetAddress.getByName(host))) {
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort(String host) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName(host))) {
            return socket.getLocalPort();
        }
    }
}
