package io.flotilla.bench;

import io.flotilla.cli.Table;
import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.ManagerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Failover on a real cluster of separate processes on loopback: three managers and two workers
 * ({@code init}/{@code join}, each its own JVM, 127.0.0.{base}…{base+4}). Times (1) a worker host
 * SIGKILLed — its JVM and its task processes — until every one of its tasks runs elsewhere, and
 * (2) the leader SIGKILLed until the first write accepted through another manager. After each
 * run the killed node is restarted on its data dir and the cluster settles. Prints median and max.
 */
@Command(name = "failover", description = "Benchmark worker loss -> tasks elsewhere and leader loss -> first accepted write on a 3+2 cluster of processes.")
public final class FailoverBenchCommand implements Callable<Integer> {
    private static final String SERVICE = "bench_sleeper";

    @Option(names = "--runs", defaultValue = "10", description = "Kills of each kind (default 10).")
    int runs;

    @Option(names = "--replicas", defaultValue = "6", description = "Replicas of the benchmark service (default 6).")
    int replicas;

    @Option(names = "--base", defaultValue = "12", description = "Nodes listen on 127.0.0.<base>..<base+4> (default 12).")
    int base;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default: a fresh temporary one).")
    Path data;

    @Option(names = "--pause", defaultValue = "1000", description = "SIGSTOP length in ms for the no-false-down check (default 1000: a long GC pause).")
    long pauseMillis;

    @Option(names = "--trace", description = "Log Ratis leader elections and client retries in the nodes' logs (where the time goes).")
    boolean trace;

    private final Map<String, Proc> nodes = new LinkedHashMap<>();
    private static final java.time.format.DateTimeFormatter CLOCK = java.time.format.DateTimeFormatter.ofPattern("HH:mm:ss.SSS")
            .withZone(java.time.ZoneId.systemDefault());
    private Path dir;

    @Override
    public Integer call() throws Exception {
        dir = data != null ? Files.createDirectories(data) : Files.createTempDirectory("flotilla-failover");
        if (trace) {
            Files.writeString(dir.resolve("logback-trace.xml"), TRACE_LOGBACK);
        }
        System.out.println("Flotilla bench failover: 3 managers + 2 workers, separate JVMs on 127.0.0." + base + "-"
                + (base + 4) + ", data in " + dir + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        Thread cleanup = new Thread(this::killAll, "failover-bench-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        try {
            formCluster();
            List<Double> workerTimes = new ArrayList<>();
            List<Double> leaderTimes = new ArrayList<>();
            int falseDown = 0;
            for (int run = 0; run < runs; run++) {
                boolean down = pauseWorker(addr(3 + run % 2));
                falseDown += down ? 1 : 0;
                System.out.printf("  worker SIGSTOP %d ms %d: %s%n", pauseMillis, run + 1, down ? "marked DOWN" : "stayed READY");
            }
            for (int run = 0; run < runs; run++) {
                workerTimes.add(workerKill(busiestWorker()));
                System.out.printf("  worker kill %d: %.0f ms%n", run + 1, workerTimes.getLast());
            }
            for (int run = 0; run < runs; run++) {
                leaderTimes.add(leaderKill());
                System.out.printf("  leader kill %d: %.0f ms%n", run + 1, leaderTimes.getLast());
            }
            Table table = new Table("SCENARIO", "RUNS", "MEDIAN", "MIN", "MAX");
            row(table, "worker SIGKILL → all its tasks running elsewhere", workerTimes);
            row(table, "leader SIGKILL → first accepted write", leaderTimes);
            table.print(System.out);
            System.out.printf("worker SIGSTOP for %d ms, then SIGCONT (a GC pause; heartbeat timeout %d ms): %d of %d"
                    + " pauses marked the node DOWN%n", pauseMillis, io.flotilla.node.LocalNode.HEARTBEAT_TIMEOUT.toMillis(),
                    falseDown, runs);
            return 0;
        } finally {
            killAll();
            Runtime.getRuntime().removeShutdownHook(cleanup);
        }
    }

    /** Ends every node this benchmark started and their tasks (also on Ctrl-C). */
    private synchronized void killAll() {
        for (Proc proc : nodes.values()) {
            try {
                proc.killHost();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        nodes.clear();
    }

    /**
     * SIGSTOPs a worker's JVM for {@link #pauseMillis}, then SIGCONT; watches the node's state
     * through the leader from the stop until 2 s after the resume. True if it was marked DOWN.
     */
    private boolean pauseWorker(String address) throws Exception {
        String api = leaderApi();
        String nodeId = nodeIdAt(api, address);
        awaitUntil("the worker ready", Duration.ofSeconds(60), () -> nodeState(api, nodeId) == NodeState.READY);
        long pid = nodes.get(address).process().pid();
        boolean down = false;
        signal("STOP", pid);
        long resumeAt = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pauseMillis);
        long endAt = resumeAt + TimeUnit.SECONDS.toNanos(2);
        boolean resumed = false;
        try {
            while (System.nanoTime() < endAt) {
                if (!resumed && System.nanoTime() >= resumeAt) {
                    signal("CONT", pid);
                    resumed = true;
                }
                try {
                    down |= nodeState(api, nodeId) == NodeState.DOWN;
                } catch (ApiException e) {
                    // the leader is busy; next look
                }
                Thread.sleep(20);
            }
        } finally {
            if (!resumed) {
                signal("CONT", pid);
            }
        }
        if (down) {
            awaitUntil("the worker ready again", Duration.ofSeconds(60), () -> nodeState(api, nodeId) == NodeState.READY);
        }
        return down;
    }

    private static void signal(String name, long pid) throws IOException, InterruptedException {
        new ProcessBuilder("kill", "-" + name, Long.toString(pid)).inheritIO().start().waitFor();
    }

    /** The leader's API address, asking any manager; waits for one. */
    private String leaderApi() throws InterruptedException {
        String[] leader = {null};
        awaitUntil("a leader", Duration.ofSeconds(30), () -> {
            ClusterInfo info = new ClusterClient(anyManager()).info();
            leader[0] = info.managers().stream().filter(m -> m.id().equals(info.leaderId())).map(ManagerStatus::apiAddress)
                    .findFirst().orElse(null);
            return leader[0] != null;
        });
        return leader[0];
    }

    private String addr(int i) {
        return "127.0.0." + (base + i);
    }

    private void formCluster() throws Exception {
        String first = addr(0);
        start(first, "init", "--data", dir.resolve("n0").toString(), "--advertise", first);
        // The API is mutual TLS: this process calls it with the admin credential init writes.
        System.setProperty("flotilla.tls.dir", dir.resolve("n0").resolve("tls").toString());
        awaitApi(first);
        ClusterClient cluster = new ClusterClient(first);
        String managerToken = String.valueOf(cluster.joinToken("manager", false).get("token"));
        String workerToken = String.valueOf(cluster.joinToken("worker", false).get("token"));
        for (int i = 1; i <= 4; i++) {
            // One at a time: five JVMs starting together on 2 busy cores time out their joins.
            start(addr(i), "join", "--token", i <= 2 ? managerToken : workerToken, "--data", dir.resolve("n" + i).toString(),
                    "--advertise", addr(i), first);
            int expected = i + 1;
            awaitUntil(addr(i) + " ready", Duration.ofSeconds(90), () -> readyNodes(first) == expected);
        }
        awaitUntil("5 ready nodes and 3 reachable managers", Duration.ofSeconds(120), () -> {
            ClusterInfo info = new ClusterClient(first).info();
            return readyNodes(first) == 5 && info.managers().size() == 3
                    && info.managers().stream().allMatch(m -> !m.status().equals("Unreachable"));
        });
        ServiceSpec spec = new ServiceSpec(SERVICE, "bench", ServiceMode.REPLICATED, replicas,
                TaskTemplate.process(List.of("sleep", "1000000")), List.of(), List.of(), Map.of(), null, null);
        new ApiClient(first).deploy(new StackSpec("bench", List.of(spec)));
        awaitUntil("replicas running", Duration.ofSeconds(60), () -> running(first).size() == replicas);
    }

    /** The worker running the most tasks of the benchmark service (the scheduler decides where they go). */
    private String busiestWorker() throws InterruptedException {
        String api = anyManager();
        awaitUntil("replicas running", Duration.ofSeconds(60), () -> running(api).size() == replicas);
        String best = addr(3);
        long most = -1;
        for (String worker : List.of(addr(3), addr(4))) {
            String id = nodeIdAt(api, worker);
            long count = running(api).stream().filter(t -> id.equals(t.nodeId())).count();
            if (count > most) {
                most = count;
                best = worker;
            }
        }
        return best;
    }

    private double workerKill(String address) throws Exception {
        String api = anyManager();
        String nodeId = nodeIdAt(api, address);
        awaitUntil("the worker runs tasks", Duration.ofSeconds(60), () -> running(api).stream().anyMatch(t -> nodeId.equals(t.nodeId())));
        long start = System.nanoTime();
        nodes.get(address).killHost();
        awaitUntil("tasks replaced", Duration.ofSeconds(30), () -> {
            List<Task> running = running(api);
            return running.size() == replicas && running.stream().noneMatch(t -> nodeId.equals(t.nodeId()));
        });
        double millis = (System.nanoTime() - start) / 1e6;
        restart(address);
        awaitUntil("the worker back", Duration.ofSeconds(60), () -> nodeState(api, nodeId) == NodeState.READY);
        rebalance(api);
        return millis;
    }

    private double leaderKill() throws Exception {
        String api = anyManager();
        awaitUntil("a leader", Duration.ofSeconds(30), () -> new ClusterClient(api).info().leaderId() != null);
        ClusterInfo info = new ClusterClient(api).info();
        ManagerStatus leader = info.managers().stream().filter(m -> m.id().equals(info.leaderId())).findFirst().orElseThrow();
        String survivor = info.managers().stream().filter(m -> !m.id().equals(leader.id())).findFirst().orElseThrow().apiAddress();
        String leaderHost = leader.apiAddress().substring(0, leader.apiAddress().lastIndexOf(':'));
        long start = System.nanoTime();
        String killedAt = now();
        nodes.get(leaderHost).killHost();
        String acceptedAt;
        while (true) {
            try {
                new ApiClient(survivor).scale(SERVICE, replicas);
                acceptedAt = now();
                break;
            } catch (ApiException e) {
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(30)) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
        double millis = (System.nanoTime() - start) / 1e6;
        System.out.printf("    leader %s killed at %s, write through %s accepted at %s%n", leaderHost, killedAt, survivor,
                acceptedAt);
        restart(leaderHost);
        awaitSettled(leaderHost);
        awaitUntil("replicas running", Duration.ofSeconds(60), () -> running(survivor).size() == replicas);
        return millis;
    }

    /**
     * Until the restarted manager is back as a follower the leader hears from, with the leader's
     * log applied, and all 5 nodes ready: only the leader knows whether a follower is reachable
     * (a follower shows the others as Unknown), and killing the next leader before the restarted
     * manager is in would measure its JVM start, not a failover.
     */
    private void awaitSettled(String restartedHost) throws InterruptedException {
        String restarted = restartedHost + ":" + ApiClient.DEFAULT_PORT;
        awaitUntil("3 managers reachable from the leader, the restarted one caught up", Duration.ofSeconds(90), () -> {
            String leader = leaderApi();
            ClusterInfo now = new ClusterClient(leader).info();
            if (now.managers().size() != 3 || !now.managers().stream()
                    .allMatch(m -> m.status().equals("Leader") || m.status().equals("Reachable"))) {
                return false;
            }
            long leaderIndex = StateReads.state(new ApiClient(leader)).index();
            return StateReads.state(new ApiClient(restarted)).index() >= leaderIndex && readyNodes(leader) == 5;
        });
    }

    /** Spreads tasks again after a node came back, so the next kill finds tasks on the worker (best effort). */
    private void rebalance(String api) throws InterruptedException {
        awaitUntil("replicas running", Duration.ofSeconds(60), () -> running(api).size() == replicas);
        new ApiClient(api).scale(SERVICE, 0);
        awaitUntil("scaled to 0", Duration.ofSeconds(60), () -> running(api).isEmpty());
        new ApiClient(api).scale(SERVICE, replicas);
        awaitUntil("replicas running", Duration.ofSeconds(60), () -> running(api).size() == replicas);
    }

    private String anyManager() {
        for (int i = 0; i <= 2; i++) {
            Proc proc = nodes.get(addr(i));
            if (proc != null && proc.process.isAlive()) {
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

    private void start(String address, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx160m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED"));
        if (trace) {
            command.add("-Dlogback.configurationFile=" + dir.resolve("logback-trace.xml"));
        }
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), "io.flotilla.cli.Main"));
        command.addAll(List.of(args));
        Path log = dir.resolve(address + ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        nodes.put(address, new Proc(process, List.of(args), address));
    }

    private void restart(String address) throws IOException {
        Proc old = nodes.get(address);
        start(address, old.args.getFirst(), "--data", dir.resolve("n" + (Integer.parseInt(address.substring(address.lastIndexOf('.') + 1)) - base)).toString());
    }

    private static String now() {
        return CLOCK.format(java.time.Instant.now());
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

    private static void awaitApi(String api) throws InterruptedException {
        awaitUntil("API at " + api, Duration.ofSeconds(90), () -> {
            new ApiClient(api).info();
            return true;
        });
    }

    private static int readyNodes(String api) {
        return (int) new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count();
    }

    private static NodeState nodeState(String api, String id) {
        return new ApiClient(api).nodes().stream().filter(n -> n.id().equals(id)).findFirst().map(n -> n.status().state())
                .orElse(NodeState.UNKNOWN);
    }

    private static String nodeIdAt(String api, String address) {
        return new ApiClient(api).nodes().stream().filter(n -> address.equals(n.status().address())).findFirst()
                .map(Node::id).orElseThrow();
    }

    private static List<Task> running(String api) {
        return new ApiClient(api).serviceTasks(SERVICE).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.state() == TaskState.RUNNING).toList();
    }

    /** {@link BenchWaits#awaitUntil}, polling every 10 ms. */
    private static void awaitUntil(String what, Duration max, BenchWaits.Check check) throws InterruptedException {
        BenchWaits.awaitUntil(what, max, Duration.ofMillis(10), check);
    }

    private static void row(Table table, String name, List<Double> millis) {
        List<Double> sorted = new ArrayList<>(millis);
        Collections.sort(sorted);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        table.row(name, sorted.size(), String.format("%.0f ms", median), String.format("%.0f ms", sorted.getFirst()),
                String.format("%.0f ms", sorted.getLast()));
    }

    /** A node process; killing its host also kills the task processes it started. */
    private record Proc(Process process, List<String> args, String address) {
        void killHost() throws InterruptedException {
            List<Long> tasks = new ArrayList<>();
            ProcessHandle.allProcesses().forEach(p -> {
                try {
                    String env = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ")));
                    if (env.contains("FLOTILLA_TASK_ID=") && env.contains("FLOTILLA_ADDRESS=" + address + "\0")) {
                        tasks.add(p.pid());
                    }
                } catch (IOException | SecurityException e) {
                    // gone, or not ours
                }
            });
            process.destroyForcibly();
            tasks.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @SuppressWarnings("unused")
    private static Optional<String> none() {
        return Optional.empty();
    }
}
