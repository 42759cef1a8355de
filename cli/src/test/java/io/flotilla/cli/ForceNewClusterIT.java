package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClientTls;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery from a lost majority with real node processes: three managers and a worker run a
 * process service; two managers are lost for good (SIGKILL, with their tasks); the survivor — a
 * manager that joined — is stopped and started again with {@code init --force-new-cluster} on its
 * data dir. It leads a one-manager cluster at once, accepts writes, and the tasks that ran on it
 * and on the worker keep running, same pids: adopted, not restarted. Only 127.0.14.2–5.
 */
class ForceNewClusterIT {
    private static final String[] ADDRESSES = {"127.0.14.2", "127.0.14.3", "127.0.14.4", "127.0.14.5"};
    private static final Duration UP = Duration.ofSeconds(90);
    private static final String STACK = "fc";

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes) {
            if (node.alive()) {
                try {
                    Cli.run(node.api(), "stack", "rm", STACK);
                } catch (RuntimeException e) {
                    // a worker's relay, or gone
                }
            }
        }
        DevNodeProcess.sleep(3000); // the agents stop the removed tasks
        for (ClusterNodeProcess node : nodes) {
            HostProcesses.kill(node, NodeConfig.load(node.data).map(NodeConfig::nodeId).orElse(null));
            HostProcesses.unmountUnder(node.data);
        }
        System.clearProperty(ClientTls.TLS_DIR_PROPERTY);
    }

    @Test
    void aSurvivingManagerStartsAClusterOfItsOwnAndKeepsEveryRunningTask() throws Exception {
        ClusterNodeProcess m1 = start(0, "init", "--data", dir(0), "--advertise", ADDRESSES[0]);
        System.setProperty(ClientTls.TLS_DIR_PROPERTY, m1.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(m1.api(), UP);
        String managerToken = String.valueOf(new ClusterClient(m1.api()).joinToken("manager", false).get("token"));
        String workerToken = String.valueOf(new ClusterClient(m1.api()).joinToken("worker", false).get("token"));
        ClusterNodeProcess m2 = start(1, "join", "--token", managerToken, "--data", dir(1), "--advertise", ADDRESSES[1],
                m1.api());
        ClusterNodeProcess m3 = start(2, "join", "--token", managerToken, "--data", dir(2), "--advertise", ADDRESSES[2],
                m1.api());
        ClusterNodeProcess worker = start(3, "join", "--token", workerToken, "--data", dir(3), "--advertise",
                ADDRESSES[3], m1.api());
        await("three managers and a worker").atMost(UP).ignoreExceptions().until(() ->
                new ClusterClient(m1.api()).info().managers().size() == 3 && readyNodes(m1.api()) == 4);
        Path compose = Files.writeString(tmp.resolve("compose.yaml"), """
                services:
                  app:
                    command: ["/bin/sh", "-c", "while :; do sleep 1; done"]
                    deploy: {replicas: 4, placement: {max_replicas_per_node: 1}}
                    x-flotilla: {driver: process}
                """);
        assertThat(Cli.run(m1.api(), "stack", "deploy", "-c", compose.toString(), STACK).exitCode()).isZero();
        String survivorId = NodeConfig.load(m2.data).orElseThrow().nodeId();
        String workerId = NodeConfig.load(worker.data).orElseThrow().nodeId();
        Map<String, Long> kept = new TreeMap<>();
        await("a running task on every node").atMost(UP).ignoreExceptions().until(() -> {
            kept.clear();
            kept.putAll(runningPids(m1.api(), List.of(survivorId, workerId)));
            return kept.size() == 2 && running(m1.api()) == 4;
        });
        // Let the survivor hear of every entry as committed, then two managers are lost for good.
        DevNodeProcess.sleep(1000);
        HostProcesses.kill(m1, NodeConfig.load(m1.data).orElseThrow().nodeId());
        HostProcesses.kill(m3, NodeConfig.load(m3.data).orElseThrow().nodeId());
        m2.kill(); // the survivor's node process stops; its task keeps running

        ShopEndToEndIT.CliResult worker2 = Cli.run(null, "init", "--force-new-cluster", "--data", dir(3));
        assertThat(worker2.exitCode()).as("refused on a worker").isEqualTo(1);
        assertThat(worker2.err()).contains("needs the data dir of a manager");

        ClusterNodeProcess forced = start(1, "init", "--force-new-cluster", "--data", dir(1));
        ClusterNodeProcess.awaitApi(forced.api(), UP);
        assertThat(forced.output()).contains("Forcing a new cluster");
        long began = System.nanoTime();
        await("a write is accepted").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() ->
                Cli.run(forced.api(), "node", "update", "--label-add", "recovered=yes", survivorId).exitCode() == 0);
        System.out.printf("force-new-cluster: first write accepted %d ms after the API answered%n",
                (System.nanoTime() - began) / 1_000_000);
        assertThat(new ClusterClient(forced.api()).info().managers()).hasSize(1);
        await("the worker reconnects").atMost(UP).ignoreExceptions().until(() -> new ApiClient(forced.api()).nodes().stream()
                .anyMatch(n -> n.id().equals(workerId) && n.status().state() == NodeState.READY));
        DevNodeProcess.sleep(5000); // long enough for a restart to show
        assertThat(runningPids(forced.api(), List.of(survivorId, workerId))).isEqualTo(kept);
        kept.values().forEach(pid -> assertThat(ProcessHandle.of(pid)).as("pid %d", pid).isPresent());
    }

    private static Map<String, Long> runningPids(String api, List<String> nodeIds) {
        return new ApiClient(api).serviceTasks(STACK + "_app").stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.status().state() == TaskState.RUNNING
                        && nodeIds.contains(t.nodeId()) && t.status().pid() != null)
                .collect(Collectors.toMap(Task::nodeId, t -> t.status().pid(), (a, b) -> a, TreeMap::new));
    }

    private static long running(String api) {
        return new ApiClient(api).serviceTasks(STACK + "_app").stream()
                .filter(t -> t.status().state() == TaskState.RUNNING).count();
    }

    private static long readyNodes(String api) {
        return new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count();
    }

    private String dir(int i) {
        return tmp.resolve("n" + i).toString();
    }

    private ClusterNodeProcess start(int i, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--no-dns", "--no-mesh", "--overlay=off"));
        ClusterNodeProcess node = new ClusterNodeProcess(ADDRESSES[i], tmp.resolve("n" + i), all.toArray(String[]::new))
                .start();
        nodes.add(node);
        return node;
    }
}
