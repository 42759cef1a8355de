package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DNS on a worker-only node: a manager (127.0.0.7) and a worker (127.0.0.8), each its own JVM
 * started with {@code init} / {@code join} and {@code --dns ADDR:15353}. The worker answers a
 * service's A and SRV records from its mirror of the managers' registry, the same as the manager;
 * a killed task leaves the worker's answer within two seconds; with the manager gone, the worker
 * keeps answering from the last set it had.
 */
class WorkerDnsIT {
    private static final String MANAGER = "127.0.0.7";
    private static final String WORKER = "127.0.0.8";
    private static final int DNS_PORT = 15353;
    private static final String SRV = "_http._tcp.sleeper.wd.flotilla";
    private static final Duration UP = Duration.ofSeconds(60);

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();
    private final Set<String> nodeIds = new HashSet<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes) {
            node.close();
        }
        for (long pid : taskProcesses()) { // tasks outlive their agents by design
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void aWorkerAnswersFromItsMirrorFollowsChangesAndKeepsTheLastSetWithoutManagers() throws Exception {
        ClusterNodeProcess manager = node("m1", "init", "--data", dir("m1"), "--advertise", MANAGER,
                "--dns", MANAGER + ":" + DNS_PORT);
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, manager.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(manager.api(), UP);
        String api = manager.api();
        String workerToken = String.valueOf(new ClusterClient(api).joinToken("worker", false).get("token"));
        ClusterNodeProcess worker = node("w1", "join", "--token", workerToken, "--data", dir("w1"), "--advertise", WORKER,
                "--dns", WORKER + ":" + DNS_PORT, api);
        await("two ready nodes").atMost(UP).pollInterval(Duration.ofMillis(200)).until(() ->
                new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count() == 2);
        new ApiClient(api).nodes().forEach(n -> nodeIds.add(n.id()));
        await("the worker serves DNS").atMost(Duration.ofSeconds(10)).until(() ->
                worker.output().contains("DNS:  " + WORKER + ":" + DNS_PORT));

        Path compose = tmp.resolve("compose.yaml");
        Files.writeString(compose, """
                services:
                  sleeper:
                    command: ["sleep", "100000"]
                    ports:
                      - name: http
                        target: 8080
                    deploy:
                      replicas: 4
                """);
        ShopEndToEndIT.CliResult deployed = Cli.run(api, "stack", "deploy", "-d", "-c", compose.toString(), "wd");
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        await("four SRV records on the worker").atMost(UP).pollInterval(Duration.ofMillis(200))
                .until(() -> dig(WORKER, SRV, "SRV").size() == 4);
        assertThat(dig(WORKER, SRV, "SRV")).containsExactlyInAnyOrderElementsOf(dig(MANAGER, SRV, "SRV"));
        // the service name is its virtual address (endpoint_mode vip, the default), the same on every node;
        // tasks.<name> answers the tasks themselves
        List<String> virtual = dig(WORKER, "sleeper.wd.flotilla", "A");
        assertThat(virtual).hasSize(1).allMatch(io.flotilla.model.VirtualAddresses::contains)
                .isEqualTo(dig(MANAGER, "sleeper.wd.flotilla", "A"));
        List<String> addresses = dig(WORKER, "tasks.sleeper.wd.flotilla", "A");
        assertThat(addresses).isNotEmpty().isSubsetOf(MANAGER, WORKER)
                .containsExactlyInAnyOrderElementsOf(dig(MANAGER, "tasks.sleeper.wd.flotilla", "A"));
        assertThat(dig(WORKER, "nope.wd.flotilla", "A")).isEmpty();

        // a task is killed: it leaves the worker's answer within two seconds
        Task victim = new ApiClient(api).serviceTasks("wd_sleeper").stream()
                .filter(t -> t.state() == TaskState.RUNNING).findFirst().orElseThrow();
        int victimPort = victim.status().hostPorts().get("http");
        long killed = System.nanoTime();
        ProcessHandle.of(victim.status().pid()).orElseThrow().destroyForcibly();
        await("the killed task leaves the worker's SRV answer").atMost(Duration.ofSeconds(2))
                .pollInterval(Duration.ofMillis(20))
                .until(() -> dig(WORKER, SRV, "SRV").stream().noneMatch(l -> l.contains(" " + victimPort + " ")));
        System.out.printf("WorkerDnsIT: task SIGKILL -> gone from the worker's DNS in %d ms%n",
                Duration.ofNanos(System.nanoTime() - killed).toMillis());
        await("its replacement appears on the worker").atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> dig(WORKER, SRV, "SRV").size() == 4);

        // no manager: the worker keeps answering from the last set (its tasks keep running)
        List<String> last = dig(WORKER, SRV, "SRV");
        manager.kill();
        DevNodeProcess.sleep(1500);
        assertThat(dig(WORKER, SRV, "SRV")).containsExactlyInAnyOrderElementsOf(last);
    }

    private static List<String> dig(String server, String name, String type) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("dig", "@" + server, "-p", Integer.toString(DNS_PORT), "+short", "+time=1",
                "+tries=1", name, type).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(5, TimeUnit.SECONDS);
        return out.lines().filter(line -> !line.isBlank() && !line.startsWith(";")).toList();
    }

    private ClusterNodeProcess node(String name, String... args) throws IOException {
        ClusterNodeProcess node = new ClusterNodeProcess(name.equals("m1") ? MANAGER : WORKER, tmp.resolve(name), args).start();
        nodes.add(node);
        return node;
    }

    private String dir(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        return dir.toString();
    }

    /** Live task processes of this test's nodes, by their environment in /proc. */
    private List<Long> taskProcesses() {
        List<Long> pids = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            try {
                String env = new String(Files.readAllBytes(Path.of("/proc", Long.toString(p.pid()), "environ")));
                if (env.contains("FLOTILLA_TASK_ID=")
                        && nodeIds.stream().anyMatch(id -> env.contains("FLOTILLA_NODE_ID=" + id + "\0"))) {
                    pids.add(p.pid());
                }
            } catch (IOException | SecurityException e) {
                // gone, or not ours to read
            }
        });
        return pids;
    }
}
