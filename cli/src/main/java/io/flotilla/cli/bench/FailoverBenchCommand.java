package io.flotilla.cli.bench;

import io.flotilla.cli.Table;
import io.flotilla.cli.client.ApiClient;
import io.flotilla.cli.client.ApiException;
import io.flotilla.cli.client.ClusterClient;
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

    private final Map<String, Proc> nodes = new LinkedHashMap<>();
    private Path dir;

    @Override
    public Integer call() throws Exception {
        dir = data != null ? data : Files.createTempDirectory("flotilla-failover");
        System.out.println("Flotilla bench failover: 3 managers + 2 workers, separate JVMs on 127.0.0." + base + "-"
                + (base + 4) + ", data in " + dir + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        try {
            formCluster();
            List<Double> workerTimes = new ArrayList<>();
            List<Double> leaderTimes = new ArrayList<>();
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
            return 0;
        } finally {
            for (Proc proc : nodes.values()) {
                proc.killHost();
            }
        }
    }

    private String addr(int i) {
        return "127.0.0." + (base + i);
    }

    private void formCluster() throws Exception {
        String first = addr(0);
        start(first, "init", "--data", dir.resolve("n0").toString(), "--advertise", first);
        awaitApi(first);
        ClusterClient cluster = new ClusterClient(first);
        String managerToken = String.valueOf(cluster.joinToken("manager", false).get("token"));
        String workerToken = String.valueOf(cluster.joinToken("worker", false).get("token"));
        for (int i = 1; i <= 4; i++) {
            start(addr(i), "join", "--token", i <= 2 ? managerToken : workerToken, "--data", dir.resolve("n" + i).toString(),
                    "--advertise", addr(i), first);
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
        nodes.get(leaderHost).killHost();
        while (true) {
            try {
                new ApiClient(survivor).scale(SERVICE, replicas);
                break;
            } catch (ApiException e) {
                if (System.nanoTime() - start > TimeUnit.SECONDS.toNanos(30)) {
                    throw e;
                }
                Thread.sleep(5);
            }
        }
        double millis = (System.nanoTime() - start) / 1e6;
        restart(leaderHost);
        awaitUntil("3 reachable managers", Duration.ofSeconds(60), () -> {
            ClusterInfo now = new ClusterClient(survivor).info();
            return now.managers().size() == 3 && now.managers().stream().allMatch(m -> !m.status().equals("Unreachable"))
                    && readyNodes(survivor) == 5;
        });
        awaitUntil("replicas running", Duration.ofSeconds(60), () -> running(survivor).size() == replicas);
        return millis;
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
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.flotilla.cli.Main"));
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

    private interface Check {
        boolean ok() throws Exception;
    }

    private static void awaitUntil(String what, Duration max, Check check) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(10);
        }
        throw new IllegalStateException("timed out waiting for: " + what + (last == null ? "" : " (" + last.getMessage() + ")"));
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
