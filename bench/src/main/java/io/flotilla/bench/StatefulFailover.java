package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.cli.StackFiles;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * The ledger demo ({@code flotilla demo-app ledger}) as a stateful process service with a
 * glusterfs volume on a cluster of separate node processes: one manager (127.0.0.{base}) and two
 * workers ({base+1}, {base+2}); the service is placed on workers. Times a task crash until the
 * ledger answers again with a higher number, and a host SIGKILL (the node's JVM, every process
 * of its tasks and its Gluster FUSE client) until the ledger answers from the other worker with a
 * higher number. The killed node is brought back on its data dir after each host kill.
 */
final class StatefulFailover implements AutoCloseable {
    static final String STACK = "benchsf";
    static final String SERVICE = STACK + "_ledger";
    /** The slot's volume: {@code <stack>_<name>-<slot>} for a stateful service (a directory in the Gluster volume). */
    static final String VOLUME = STACK + "_data-1";

    /** One timed failure: how long until the ledger answered again, and whether it stayed on its node. */
    record Run(double millis, boolean sameNode, long before, long after) {
        @Override
        public String toString() {
            return String.format("%.0f ms, %s, ledger %d -> %d", millis, sameNode ? "same node" : "other node", before, after);
        }
    }

    private final Path dir;
    private final int base;
    private final List<String> servers;
    private final String glusterVolume;
    private final Map<String, NodeProcess> nodes = new LinkedHashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofMillis(300)).build();
    private GlusterMount mount;

    StatefulFailover(Path dir, int base, List<String> servers, String glusterVolume) {
        this.dir = dir;
        this.base = base;
        this.servers = servers;
        this.glusterVolume = glusterVolume;
    }

    private String addr(int i) {
        return "127.0.0." + (base + i);
    }

    void formCluster() throws Exception {
        Files.createDirectories(dir);
        // The benchmark's own view of the volume: to start from an empty ledger and check it at the end.
        mount = GlusterMount.mount(servers, glusterVolume, dir.resolve("mnt"));
        deleteTree(ledgerDirectory());
        String first = addr(0);
        start(first, "init", "--data", dir.resolve("n0").toString(), "--advertise", first);
        System.setProperty("flotilla.tls.dir", dir.resolve("n0").resolve("tls").toString());
        awaitUntil("API at " + first, Duration.ofSeconds(90), () -> new ApiClient(first).info() != null);
        String workerToken = String.valueOf(new ClusterClient(first).joinToken("worker", false).get("token"));
        for (int i = 1; i <= 2; i++) {
            start(addr(i), "join", "--token", workerToken, "--data", dir.resolve("n" + i).toString(), "--advertise", addr(i), first);
            int expected = i + 1;
            awaitUntil(addr(i) + " ready", Duration.ofSeconds(90), () -> readyNodes() == expected);
        }
        Path stack = dir.resolve("ledger.yml");
        Files.writeString(stack, stackFile());
        new ApiClient(first).deploy(StackFiles.load(stack, STACK).stack());
        awaitUntil("the ledger answering", Duration.ofSeconds(90), () -> running().flatMap(this::ledgerNumber).isPresent());
    }

    private String stackFile() {
        String launcher = Path.of(System.getenv().getOrDefault("FLOTILLA_HOME", ".")).toAbsolutePath().resolve("flotilla").toString();
        return """
                services:
                  ledger:
                    command: ["%s", "demo-app", "ledger"]
                    x-flotilla: {driver: process, stateful: true}
                    environment: {LEDGER_DIR: /data}
                    ports: [{name: http, target: 8080}]
                    volumes: ["data:/data"]
                    stop_grace_period: 2s
                    deploy:
                      replicas: 1
                      placement: {constraints: ["node.role == worker"]}
                      restart_policy: {condition: any, delay: 0s}
                volumes:
                  data:
                    driver: glusterfs
                    driver_opts: {servers: "%s", volume: %s}
                """.formatted(launcher, String.join(",", servers), glusterVolume);
    }

    /** SIGKILLs the ledger's process; until a new task of the slot answers with a higher number. */
    Run crashInPlace() throws Exception {
        Task victim = awaitRunning();
        long before = awaitNumber(victim);
        long start = System.nanoTime();
        ProcessHandle.of(victim.status().pid()).ifPresent(ProcessHandle::destroyForcibly);
        long[] after = {0};
        Task[] replacement = {null};
        awaitUntil("the ledger running again", Duration.ofSeconds(60), () -> {
            Optional<Task> task = running().filter(t -> !t.id().equals(victim.id()));
            Optional<Long> number = task.flatMap(this::ledgerNumber);
            if (number.isPresent() && number.get() > before) {
                after[0] = number.get();
                replacement[0] = task.get();
                return true;
            }
            return false;
        });
        return new Run((System.nanoTime() - start) / 1e6, replacement[0].nodeId().equals(victim.nodeId()), before, after[0]);
    }

    /** SIGKILLs the ledger's whole host; until the ledger answers from another node with a higher number. */
    Run hostKill() throws Exception {
        Task victim = awaitRunning();
        long before = awaitNumber(victim);
        String address = nodeAddress(victim.nodeId());
        long start = System.nanoTime();
        nodes.get(address).killHost();
        long[] after = {0};
        awaitUntil("the ledger running elsewhere", Duration.ofSeconds(90), () -> {
            Optional<Task> task = running().filter(t -> !t.nodeId().equals(victim.nodeId()));
            Optional<Long> number = task.flatMap(this::ledgerNumber);
            if (number.isPresent() && number.get() > before) {
                after[0] = number.get();
                return true;
            }
            return false;
        });
        double millis = (System.nanoTime() - start) / 1e6;
        NodeProcess killed = nodes.get(address);
        start(address, killed.args().getFirst(), "--data", killed.data().toString());
        awaitUntil(address + " ready again", Duration.ofSeconds(90), () -> readyNodes() == 3);
        return new Run(millis, false, before, after[0]);
    }

    /**
     * The ledger file as the Gluster volume holds it: numbers must go up by one from line to line
     * and each writer (task id) must write one unbroken run of lines.
     */
    String checkLedger() throws IOException {
        Path file = ledgerDirectory().resolve("ledger.log");
        if (!Files.exists(file)) {
            return "ledger: no file at " + file;
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        List<String> writers = new ArrayList<>();
        long previous = -1;
        List<String> problems = new ArrayList<>();
        for (String line : lines) {
            String[] fields = line.trim().split("\\s+");
            if (fields.length < 2) {
                continue;
            }
            long number = Long.parseLong(fields[0]);
            if (previous >= 0 && number != previous + 1) {
                problems.add("line '" + line + "' after " + previous);
            }
            previous = number;
            if (writers.isEmpty() || !writers.getLast().equals(fields[1])) {
                if (writers.contains(fields[1])) {
                    problems.add("writer " + fields[1] + " wrote again after another one (interleaving) at " + number);
                }
                writers.add(fields[1]);
            }
        }
        return String.format("ledger: %d lines, last %d, %d writers one after the other; %s", lines.size(), previous,
                writers.size(), problems.isEmpty() ? "no gap, no interleaving" : "PROBLEMS: " + problems);
    }

    private Path ledgerDirectory() {
        return mount.directory().resolve(VOLUME);
    }

    private Task awaitRunning() throws InterruptedException {
        Task[] found = {null};
        awaitUntil("the ledger running", Duration.ofSeconds(90), () -> {
            found[0] = running().orElse(null);
            return found[0] != null && ledgerNumber(found[0]).isPresent();
        });
        return found[0];
    }

    private long awaitNumber(Task task) throws InterruptedException {
        long[] number = {0};
        awaitUntil("a number from the ledger", Duration.ofSeconds(30), () -> {
            Optional<Long> n = ledgerNumber(task);
            n.ifPresent(value -> number[0] = value);
            return n.isPresent() && n.get() > 0;
        });
        return number[0];
    }

    private Optional<Task> running() {
        return new ApiClient(addr(0)).serviceTasks(SERVICE).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.state() == TaskState.RUNNING).findFirst();
    }

    /** The ledger's last number as its task answers it over HTTP; empty while it does not answer. */
    private Optional<Long> ledgerNumber(Task task) {
        Integer port = task.status().hostPorts().get("http");
        if (port == null) {
            return Optional.empty();
        }
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(
                            URI.create("http://" + nodeAddress(task.nodeId()) + ":" + port + "/")).timeout(Duration.ofMillis(500)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? Optional.of(Long.parseLong(response.body().trim())) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    private String nodeAddress(String nodeId) {
        return new ApiClient(addr(0)).nodes().stream().filter(n -> n.id().equals(nodeId)).findFirst()
                .map(n -> n.status().address()).orElseThrow();
    }

    private int readyNodes() {
        return (int) new ApiClient(addr(0)).nodes().stream().map(Node::status).filter(s -> s.state() == NodeState.READY).count();
    }

    private void start(String address, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx160m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.flotilla.cli.Main"));
        command.addAll(List.of(args));
        Path data = Path.of(args[List.of(args).indexOf("--data") + 1]);
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve(address + ".log").toFile())).start();
        nodes.put(address, new NodeProcess(process, List.of(args), address, data));
    }

    @Override
    public void close() throws Exception {
        try {
            if (nodes.containsKey(addr(0)) && nodes.get(addr(0)).process().isAlive()) {
                new ApiClient(addr(0)).removeStack(STACK);
                awaitUntil("the ledger stopped", Duration.ofSeconds(30), () -> ledgerProcesses().isEmpty());
            }
        } catch (RuntimeException | InterruptedException e) {
            System.err.println("bench stateful: removing the stack: " + e.getMessage());
        }
        for (NodeProcess node : nodes.values()) {
            node.killHost();
            NodeProcess.unmountUnder(node.data());
        }
        if (mount != null) {
            deleteTree(ledgerDirectory());
            mount.close();
        }
    }

    /** The ledger's processes on this machine (the service is gone from the API once removed; its tasks stop after). */
    private static List<ProcessHandle> ledgerProcesses() {
        return ProcessHandle.allProcesses().filter(p -> NodeProcess.read(p.pid(), "environ").contains("FLOTILLA_SERVICE=" + SERVICE + "\0"))
                .toList();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
        }
    }

    /** {@link BenchWaits#awaitUntil}, polling every 20 ms. */
    private static void awaitUntil(String what, Duration max, BenchWaits.Check check) throws InterruptedException {
        BenchWaits.awaitUntil(what, max, Duration.ofMillis(20), check);
    }

    /**
     * A node process. Killing its host kills, at once, the node's JVM and every process that
     * belongs to it: its tasks and shims (their environment names the node's address) and its
     * Gluster FUSE client (its command line names the node's data dir).
     */
    record NodeProcess(Process process, List<String> args, String address, Path data) {
        void killHost() throws InterruptedException {
            List<ProcessHandle> victims = new ArrayList<>();
            String dataDir = data.toAbsolutePath().toString() + "/";
            ProcessHandle.allProcesses().forEach(p -> {
                String env = read(p.pid(), "environ");
                String cmdline = read(p.pid(), "cmdline");
                if ((env.contains("FLOTILLA_TASK_ID=") && env.contains("FLOTILLA_ADDRESS=" + address + "\0"))
                        || cmdline.contains(dataDir)) {
                    victims.add(p);
                }
            });
            process.destroyForcibly();
            victims.forEach(ProcessHandle::destroyForcibly);
            process.waitFor(10, TimeUnit.SECONDS);
        }

        /** Lazily unmounts what the node left mounted under its data dir (a killed FUSE client's mount). */
        static void unmountUnder(Path data) throws IOException, InterruptedException {
            String prefix = data.toAbsolutePath() + "/";
            for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
                String[] fields = line.split(" ");
                if (fields.length > 1 && fields[1].startsWith(prefix)) {
                    new ProcessBuilder("umount", "-l", fields[1]).redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(10, TimeUnit.SECONDS);
                }
            }
        }

        private static String read(long pid, String file) {
            try {
                return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file)), StandardCharsets.UTF_8);
            } catch (IOException | SecurityException e) {
                return "";
            }
        }
    }
}
