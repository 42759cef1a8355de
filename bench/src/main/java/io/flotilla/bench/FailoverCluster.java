package io.flotilla.bench;

import static io.flotilla.bench.FailoverReads.awaitApi;
import static io.flotilla.bench.FailoverReads.awaitUntil;
import static io.flotilla.bench.FailoverReads.readyNodes;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.ManagerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The failover benchmark's cluster: three (or five) managers and two (or three) workers, each its own {@code flotilla}
 * JVM ({@code init}/{@code join}) on 127.0.0.{base}… (or another loopback /24), node {@code i} with its data in
 * {@code dir/n<i>} and its log in {@code dir/<address>.log}. Starts, restarts and kills them; with
 * {@link ChaosPartitions}, each node starts in a cgroup of its own so that it can be cut off.
 */
final class FailoverCluster {
    private final Map<String, FailoverNode> nodes = new java.util.concurrent.ConcurrentHashMap<>(); // the nemesis and the supervisor restart nodes
    private final String prefix;
    private final int base;
    private final Path dir;
    private final boolean trace;
    private final int managers;
    private final int workers;
    private final ChaosPartitions partitions;
    private final List<String> jvmOptions = new ArrayList<>();
    private String classPath = System.getProperty("java.class.path");

    /** @param trace log Ratis' elections and its clients' retries in the nodes' logs */
    FailoverCluster(int base, Path dir, boolean trace) throws IOException {
        this("127.0.0.", base, dir, trace);
    }

    /** @param prefix the first three octets of the nodes' loopback addresses, with the dot ({@code 127.0.15.} for chaos) */
    FailoverCluster(String prefix, int base, Path dir, boolean trace) throws IOException {
        this(prefix, base, dir, trace, 3, null);
    }

    /** With 2 workers. */
    FailoverCluster(String prefix, int base, Path dir, boolean trace, int managers, ChaosPartitions partitions) throws IOException {
        this(prefix, base, dir, trace, managers, 2, partitions);
    }

    /**
     * @param managers 3 or 5
     * @param workers 2 or 3, after the managers
     * @param partitions where each node's process starts so that it can be partitioned; null: nowhere
     */
    FailoverCluster(String prefix, int base, Path dir, boolean trace, int managers, int workers, ChaosPartitions partitions)
            throws IOException {
        if (managers != 3 && managers != 5) {
            throw new IllegalArgumentException("3 or 5 managers, not " + managers);
        }
        if (workers != 2 && workers != 3) {
            throw new IllegalArgumentException("2 or 3 workers, not " + workers);
        }
        this.managers = managers;
        this.workers = workers;
        this.partitions = partitions;
        this.prefix = prefix;
        this.base = base;
        this.dir = dir;
        this.trace = trace;
        if (trace) {
            Files.writeString(dir.resolve("logback-trace.xml"), TRACE_LOGBACK);
        }
    }

    /** The address of node {@code i}: managers first (0–2, or 0–4), then the workers. */
    String addr(int i) {
        return prefix + (base + i);
    }

    /** Adds {@code -D} options to every node JVM started from now on. */
    void systemProperty(String name, String value) {
        jvmOptions.add("-D" + name + "=" + value);
    }

    /** The class path of every node JVM started from now on (by default this process's): another release's jars. */
    void classPath(String newClassPath) {
        classPath = newClassPath;
    }

    /** The data dir of the node at {@code address}. */
    Path data(String address) {
        return dir.resolve("n" + (Integer.parseInt(address.substring(address.lastIndexOf('.') + 1)) - base));
    }

    /** How many managers the cluster has. */
    int managers() {
        return managers;
    }

    /** How many nodes, managers and workers. */
    int size() {
        return managers + workers;
    }

    /** The addresses of every node. */
    List<String> addresses() {
        return java.util.stream.IntStream.range(0, size()).mapToObj(this::addr).toList();
    }

    FailoverNode node(String address) {
        return nodes.get(address);
    }

    /** Starts the first manager, then joins the others one at a time, until every node is ready and every manager reachable. */
    void form() throws Exception {
        String first = addr(0);
        start(first, "init", "--data", dir.resolve("n0").toString(), "--advertise", first);
        // The API is mutual TLS: this process calls it with the admin credential init writes.
        System.setProperty("flotilla.tls.dir", dir.resolve("n0").resolve("tls").toString());
        awaitApi(first);
        ClusterClient cluster = new ClusterClient(first);
        String managerToken = String.valueOf(cluster.joinToken("manager", false).get("token"));
        String workerToken = String.valueOf(cluster.joinToken("worker", false).get("token"));
        for (int i = 1; i < size(); i++) {
            // One at a time: five JVMs starting together on 2 busy cores time out their joins.
            start(addr(i), "join", "--token", i < managers ? managerToken : workerToken, "--data", data(addr(i)).toString(),
                    "--advertise", addr(i), first);
            int expected = i + 1;
            awaitUntil(addr(i) + " ready", Duration.ofSeconds(90), () -> readyNodes(first) == expected);
        }
        awaitUntil(size() + " ready nodes and " + managers + " reachable managers", Duration.ofSeconds(120), () -> {
            ClusterInfo info = new ClusterClient(first).info();
            return readyNodes(first) == size() && info.managers().size() == managers
                    && info.managers().stream().allMatch(m -> !m.status().equals("Unreachable"));
        });
    }

    /**
     * Until the cluster counts every node again, through the leader (≤ 90 s): every node ready, every
     * manager a member and none unreachable. What a fault or an upgrade step waits for before the next.
     */
    void awaitCounted(String what) throws InterruptedException {
        awaitUntil(what, Duration.ofSeconds(90), () -> {
            String leaderApi = leaderApi();
            ClusterInfo info = new ClusterClient(leaderApi).info();
            return readyNodes(leaderApi) == size() && info.managers().size() == managers
                    && info.managers().stream().noneMatch(m -> m.status().equals("Unreachable"));
        });
    }

    /** The API address of a manager that is alive and answers. */
    String anyManager() {
        for (int i = 0; i < managers; i++) {
            FailoverNode proc = nodes.get(addr(i));
            if (proc != null && proc.process().isAlive()) {
                try {
                    new ApiClient(addr(i)).info();
                    return addr(i);
                } catch (ApiException e) {
                    // next
                }
            }
        }
        throw new IllegalStateException("no manager answers");
    }

    /** The leader's API address, asking any manager; waits for one. */
    String leaderApi() throws InterruptedException {
        String[] leader = {null};
        awaitUntil("a leader", Duration.ofSeconds(30), () -> {
            ClusterInfo info = new ClusterClient(anyManager()).info();
            leader[0] = info.managers().stream().filter(m -> m.id().equals(info.leaderId())).map(ManagerStatus::apiAddress)
                    .findFirst().orElse(null);
            return leader[0] != null;
        });
        return leader[0];
    }

    /** Starts {@code io.flotilla.cli.Main args} for the node at {@code address}, on the {@link #classPath}. */
    void start(String address, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx160m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED"));
        command.addAll(jvmOptions);
        if (trace) {
            command.add("-Dlogback.configurationFile=" + dir.resolve("logback-trace.xml"));
        }
        command.addAll(List.of("-cp", classPath, "io.flotilla.cli.Main"));
        command.addAll(List.of(args));
        Path log = dir.resolve(address + ".log");
        if (partitions != null) {
            command = partitions.wrap(address, command);
        }
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        nodes.put(address, new FailoverNode(process, List.of(args), address));
    }

    /** Starts the node at {@code address} again on its data dir (its first command, {@code init} or {@code join}: no token needed). */
    void restart(String address) throws IOException {
        FailoverNode old = nodes.get(address);
        start(address, old.args().getFirst(), "--data", data(address).toString());
    }

    /**
     * Stops the node at {@code address} as an operator does before an upgrade: SIGTERM, which ends
     * its JVM and leaves its tasks running; until the JVM exited (≤ 30 s, then SIGKILL).
     */
    void stop(String address) throws InterruptedException {
        Process process = nodes.get(address).process();
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    /** Ends every node this benchmark started and their tasks (also on Ctrl-C). */
    synchronized void killAll() {
        for (FailoverNode proc : nodes.values()) {
            try {
                proc.killHost();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nodes.clear();
    }

    /** Node logging for {@code --trace}: Ratis' role changes and elections, and its clients' retries. */
    private static final String TRACE_LOGBACK = """
            <configuration>
              <appender name="STDERR" class="ch.qos.logback.core.ConsoleAppender">
                <target>System.err</target>
                <encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n</pattern></encoder>
              </appender>
              <logger name="org.apache.ratis" level="WARN"/>
              <logger name="org.apache.ratis.server.impl.LeaderElection" level="INFO"/>
              <logger name="org.apache.ratis.server.impl.RaftServerImpl" level="INFO"/>
              <logger name="org.apache.ratis.server.impl.RoleInfo" level="INFO"/>
              <logger name="org.apache.ratis.client" level="DEBUG"/>
              <logger name="io.grpc" level="WARN"/>
              <logger name="org.apache.ratis.thirdparty" level="WARN"/>
              <root level="INFO"><appender-ref ref="STDERR"/></root>
            </configuration>
            """;
}
