package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.ManagerStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real cluster: three managers and two workers, each its own JVM on its own loopback address
 * (127.0.0.2–127.0.0.6) and data dir, started with {@code init} and {@code join} as a user would.
 * One scenario, in order, because each failure is tried on the cluster the previous one left:
 * a worker SIGKILLed, the leader SIGKILLed, a worker hung (SIGSTOP) and resumed, two of three
 * managers lost, one brought back.
 */
class ClusterIT {
    private static final String SERVICE = "it_sleeper";
    private static final int REPLICAS = 6;
    private static final Duration UP = Duration.ofSeconds(90);

    @TempDir Path tmp;
    private final Map<String, ClusterNodeProcess> nodes = new HashMap<>();
    private final Set<String> nodeIds = new java.util.HashSet<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes.values()) {
            node.close();
        }
        // Tasks outlive their agents by design: end every task process this cluster started.
        for (long pid : taskProcesses(null)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aClusterOfFiveSurvivesWorkerLeaderAndQuorumLoss() throws Exception {
        // --- form the cluster
        ClusterNodeProcess first = node("127.0.0.2", "init", "--data", dir("m1"), "--advertise", "127.0.0.2");
        // The CLI in this JVM uses the admin credential init wrote (as FLOTILLA_TLS_DIR would point it).
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, first.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(first.api(), UP);
        ClusterClient cluster = new ClusterClient(first.api());
        String managerToken = String.valueOf(cluster.joinToken("manager", false).get("token"));
        String workerToken = String.valueOf(cluster.joinToken("worker", false).get("token"));
        assertThatThrownBy(() -> cluster.join(new JoinRequest("FLT-1-wrong", "intruder", "h", "127.0.0.9")))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401))
                .hasMessageContaining("old format");
        TlsChecks.refusesStrangers(first, workerToken, tmp);
        node("127.0.0.3", "join", "--token", managerToken, "--data", dir("m2"), "--advertise", "127.0.0.3", first.api());
        node("127.0.0.4", "join", "--token", managerToken, "--data", dir("m3"), "--advertise", "127.0.0.4", first.api());
        node("127.0.0.5", "join", "--token", workerToken, "--data", dir("w1"), "--advertise", "127.0.0.5", first.api());
        node("127.0.0.6", "join", "--token", workerToken, "--data", dir("w2"), "--advertise", "127.0.0.6", first.api());
        await("five ready nodes, three managers").atMost(UP).pollInterval(Duration.ofMillis(500)).until(() -> {
            ClusterInfo info = new ClusterClient(first.api()).info();
            List<Node> ready = readyNodes(first.api());
            return ready.size() == 5 && info.managers().size() == 3
                    && info.managers().stream().noneMatch(m -> m.status().equals("Unreachable"));
        });
        new ApiClient(first.api()).nodes().forEach(n -> nodeIds.add(n.id()));
        // every node serves reads, and a write through a follower reaches the leader
        String follower = follower(first.api());
        deploy(follower);
        await("all replicas running").atMost(UP).until(() -> runningTasks(first.api()).size() == REPLICAS);

        // --- a worker is SIGKILLed: its tasks run elsewhere
        ClusterNodeProcess worker = nodes.get("127.0.0.5");
        String workerId = nodeIdAt(first.api(), worker.address);
        await("the worker runs tasks").atMost(UP).until(() -> !tasksOn(first.api(), workerId).isEmpty());
        long killed = System.nanoTime();
        killHost(worker, workerId);
        await("its tasks replaced").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(20)).until(() -> {
            List<Task> running = runningTasks(first.api());
            return running.size() == REPLICAS && running.stream().noneMatch(t -> workerId.equals(t.nodeId()));
        });
        System.out.printf("ClusterIT: worker SIGKILL -> all its tasks running elsewhere in %d ms%n",
                Duration.ofNanos(System.nanoTime() - killed).toMillis());

        // --- the leader is SIGKILLed: a new leader accepts writes, nothing acknowledged is lost
        ClusterInfo before = new ClusterClient(first.api()).info();
        ManagerStatus leader = before.managers().stream().filter(m -> m.id().equals(before.leaderId())).findFirst().orElseThrow();
        ClusterNodeProcess leaderNode = nodes.get(host(leader.apiAddress()));
        String survivor = before.managers().stream().filter(m -> !m.id().equals(leader.id())).findFirst().orElseThrow().apiAddress();
        long acknowledgedIndex = new ApiClient(survivor).scale(SERVICE, REPLICAS).index();
        long leaderKilled = System.nanoTime();
        killHost(leaderNode, leader.id());
        long firstWrite = firstAcceptedWrite(survivor, Duration.ofSeconds(10));
        System.out.printf("ClusterIT: leader SIGKILL -> first accepted write in %d ms%n",
                Duration.ofNanos(firstWrite - leaderKilled).toMillis());
        ApiClient survivorApi = new ApiClient(survivor);
        assertThat(((Number) survivorApi.info().get("index")).longValue()).isGreaterThan(acknowledgedIndex);
        assertThat(survivorApi.service(SERVICE).spec().replicas()).isEqualTo(REPLICAS);
        await("a new leader").atMost(Duration.ofSeconds(10)).until(() -> {
            ClusterInfo info = new ClusterClient(survivor).info();
            return info.leaderId() != null && !info.leaderId().equals(leader.id());
        });
        await("replicas running under the new leader").atMost(UP).until(() -> runningTasks(survivor).size() == REPLICAS);

        // --- a hung worker (SIGSTOP) is replaced; once resumed it stops its replaced tasks: no duplicates
        ClusterNodeProcess hung = nodes.get("127.0.0.6");
        String hungId = nodeIdAt(survivor, hung.address);
        await("the hung node runs tasks").atMost(UP).until(() -> !tasksOn(survivor, hungId).isEmpty());
        hung.signal("STOP");
        await("the hung node's tasks replaced").atMost(Duration.ofSeconds(20)).until(() -> {
            List<Task> running = runningTasks(survivor);
            return running.size() == REPLICAS && running.stream().noneMatch(t -> hungId.equals(t.nodeId()));
        });
        hung.signal("CONT");
        await("back, and never more copies than desired").atMost(Duration.ofSeconds(30)).until(() ->
                nodeState(survivor, hungId) == NodeState.READY && taskProcesses(SERVICE).size() == REPLICAS);
        DevNodeProcess.sleep(2000);
        assertThat(taskProcesses(SERVICE)).hasSize(REPLICAS);

        // --- two of three managers lost: changes refused with a clear error, tasks keep running
        List<ClusterNodeProcess> managersUp = nodes.values().stream()
                .filter(n -> n != leaderNode && n.alive() && isManager(survivor, n.address)).toList();
        assertThat(managersUp).hasSize(2);
        ClusterNodeProcess lastManager = managersUp.get(0);
        ClusterNodeProcess lost = managersUp.get(1);
        lost.kill();
        DevNodeProcess.sleep(1500);
        assertThatThrownBy(() -> new ApiClient(lastManager.api()).scale(SERVICE, REPLICAS + 1))
                .isInstanceOfSatisfying(ApiException.class, e -> {
                    assertThat(e.status()).isEqualTo(503);
                    assertThat(e.getMessage()).contains("no quorum");
                });
        assertThat(taskProcesses(SERVICE)).as("tasks keep running without a quorum").hasSize(REPLICAS);

        // --- one manager comes back on its data dir: the cluster heals
        nodes.put(lost.address, lost.restart());
        await("writes accepted again").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).until(() -> {
            try {
                new ApiClient(lastManager.api()).scale(SERVICE, REPLICAS);
                return true;
            } catch (ApiException e) {
                return false;
            }
        });
        // Its Raft peer counts for the quorum before its API listens: wait for the API, then read.
        await("the returning manager serves the replicated state").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptionsInstanceOf(ApiException.class)
                .until(() -> new ApiClient(lost.api()).service(SERVICE).spec().replicas() == REPLICAS);
    }

    /** A host dies: its node's JVM and every task process on it, at once (SIGKILL). */
    private void killHost(ClusterNodeProcess node, String nodeId) throws InterruptedException {
        node.kill();
        for (long pid : taskProcessesOf(nodeId)) {
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    private List<Long> taskProcessesOf(String nodeId) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> read(p.pid(), "environ").ifPresent(env -> {
            if (env.contains("FLOTILLA_TASK_ID=") && env.contains("FLOTILLA_NODE_ID=" + nodeId + "\0")) {
                pids.add(p.pid());
            }
        }));
        return pids;
    }

    private ClusterNodeProcess node(String address, String... args) throws IOException {
        ClusterNodeProcess node = new ClusterNodeProcess(address, tmp.resolve(dataName(args)), args).start();
        nodes.put(address, node);
        return node;
    }

    private static String dataName(String[] args) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--data")) {
                return Path.of(args[i + 1]).getFileName().toString();
            }
        }
        throw new IllegalArgumentException("no --data");
    }

    private String dir(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        return dir.toString();
    }

    private void deploy(String api) throws IOException {
        Path compose = tmp.resolve("compose.yaml");
        Files.writeString(compose, """
                services:
                  sleeper:
                    command: ["sleep", "100000"]
                    deploy:
                      replicas: %d
                """.formatted(REPLICAS));
        ShopEndToEndIT.CliResult result = Cli.run(api, "stack", "deploy", "-d", "-c", compose.toString(), "it");
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    /** Retries a no-op write (scale to the same count) until one is accepted; returns when (nanoTime). */
    private static long firstAcceptedWrite(String api, Duration max) {
        long deadline = System.nanoTime() + max.toNanos();
        ApiException last = null;
        while (System.nanoTime() < deadline) {
            try {
                new ApiClient(api).scale(SERVICE, REPLICAS);
                return System.nanoTime();
            } catch (ApiException e) {
                last = e;
                DevNodeProcess.sleep(10);
            }
        }
        throw new AssertionError("no write accepted within " + max, last);
    }

    private static List<Node> readyNodes(String api) {
        return new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).toList();
    }

    private static String follower(String api) {
        ClusterInfo info = new ClusterClient(api).info();
        return info.managers().stream().filter(m -> !m.id().equals(info.leaderId())).findFirst().orElseThrow().apiAddress();
    }

    private static String nodeIdAt(String api, String address) {
        return new ApiClient(api).nodes().stream().filter(n -> address.equals(n.status().address())).findFirst()
                .orElseThrow().id();
    }

    private static boolean isManager(String api, String address) {
        String id = nodeIdAt(api, address);
        return new ClusterClient(api).info().managers().stream().anyMatch(m -> m.id().equals(id));
    }

    private static NodeState nodeState(String api, String id) {
        return new ApiClient(api).nodes().stream().filter(n -> n.id().equals(id)).findFirst().orElseThrow().status().state();
    }

    private static String host(String hostPort) {
        return hostPort.substring(0, hostPort.lastIndexOf(':'));
    }

    private static List<Task> runningTasks(String api) {
        return new ApiClient(api).serviceTasks(SERVICE).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.state() == TaskState.RUNNING).toList();
    }

    private static List<Task> tasksOn(String api, String nodeId) {
        return runningTasks(api).stream().filter(t -> nodeId.equals(t.nodeId())).toList();
    }

    /**
     * Live task processes of this test's cluster (the {@code sleep} itself, not its shim), by
     * reading /proc; {@code service} null: every task process of the cluster's nodes.
     */
    private List<Long> taskProcesses(String service) {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            Optional<String> env = read(p.pid(), "environ");
            if (env.isEmpty() || !env.get().contains("FLOTILLA_TASK_ID=")) {
                return;
            }
            boolean ours = nodeIds.stream().anyMatch(id -> env.get().contains("FLOTILLA_NODE_ID=" + id + "\0"));
            if (!ours) {
                return;
            }
            if (service == null) {
                pids.add(p.pid());
            } else if (env.get().contains("FLOTILLA_SERVICE=" + service + "\0")
                    && read(p.pid(), "cmdline").orElse("").startsWith("sleep\0")) {
                pids.add(p.pid());
            }
        });
        return pids;
    }

    private static Optional<String> read(long pid, String file) {
        try {
            return Optional.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file))));
        } catch (IOException | SecurityException e) {
            return Optional.empty();
        }
    }

    @SuppressWarnings("unused")
    private static Set<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).collect(Collectors.toSet());
    }
}
