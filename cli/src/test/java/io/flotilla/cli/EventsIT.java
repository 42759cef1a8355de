package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.client.EventQuery;
import io.flotilla.client.EventReader;
import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Json;
import io.flotilla.model.NodeState;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.ManagerStatus;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event stream of a real cluster (three managers, two workers, each its own JVM on
 * 127.0.9.2–6, addresses no other IT uses) read by {@code flotilla events --since 0 --format json}
 * through the second worker's API (relayed to a manager) while a worker is SIGKILLed, the leader is
 * SIGKILLed and an update fails and rolls back: the one stream holds every expected event, in log
 * order, with no repeat; a second reader resuming midway on another manager reads the same rest.
 */
class EventsIT {
    private static final String SERVICE = "ev_sleeper";
    private static final Duration UP = Duration.ofSeconds(90);

    @TempDir Path tmp;
    private final Map<String, ClusterNodeProcess> nodes = new HashMap<>();
    private final List<String> nodeIds = new ArrayList<>();
    private Process reader;

    @AfterEach
    void tearDown() throws Exception {
        if (reader != null) {
            reader.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        for (ClusterNodeProcess node : nodes.values()) {
            node.close();
        }
        for (String id : nodeIds) { // tasks outlive their agents by design
            taskProcessesOf(id).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        }
    }

    @Test
    void oneStreamHoldsAWorkerLossALeaderLossAndARollbackInLogOrder() throws Exception {
        ClusterNodeProcess first = node("127.0.9.2", "init", "--data", dir("m1"), "--advertise", "127.0.9.2");
        Path tls = first.data.resolve("tls");
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, tls.toString());
        ClusterNodeProcess.awaitApi(first.api(), UP);
        ClusterClient cluster = new ClusterClient(first.api());
        String managerToken = String.valueOf(cluster.joinToken("manager", false).get("token"));
        String workerToken = String.valueOf(cluster.joinToken("worker", false).get("token"));
        node("127.0.9.3", "join", "--token", managerToken, "--data", dir("m2"), "--advertise", "127.0.9.3", first.api());
        node("127.0.9.4", "join", "--token", managerToken, "--data", dir("m3"), "--advertise", "127.0.9.4", first.api());
        node("127.0.9.5", "join", "--token", workerToken, "--data", dir("w1"), "--advertise", "127.0.9.5", first.api());
        ClusterNodeProcess relay = node("127.0.9.6", "join", "--token", workerToken, "--data", dir("w2"),
                "--advertise", "127.0.9.6", first.api());
        await("five ready nodes, three managers").atMost(UP).pollInterval(Duration.ofMillis(500)).until(() -> {
            ClusterInfo info = new ClusterClient(first.api()).info();
            long ready = new ApiClient(first.api()).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count();
            return ready == 5 && info.managers().size() == 3;
        });
        new ApiClient(first.api()).nodes().forEach(n -> nodeIds.add(n.id()));
        ClusterNodeProcess.awaitApi(relay.api(), UP);

        // The reader: the CLI, through the worker's API, from the start of the history.
        List<String> lines = new CopyOnWriteArrayList<>();
        reader = cli(tls, "events", "--host", relay.api(), "--since", "0", "--format", "json");
        Thread.ofVirtual().start(() -> readLines(reader, lines));

        deploy("""
                services:
                  sleeper:
                    command: ["sleep", "100000"]
                    deploy:
                      replicas: 4
                      update_config:
                        parallelism: 4
                        failure_action: rollback
                        monitor: 10s
                        max_failure_ratio: 0
                """);
        await("four running").atMost(UP).until(() -> running(first.api()) == 4);

        // --- a worker dies
        ClusterNodeProcess worker = nodes.get("127.0.9.5");
        String workerId = nodeIdAt(first.api(), "127.0.9.5");
        worker.kill();
        taskProcessesOf(workerId).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        await("the worker's down event").atMost(Duration.ofSeconds(30)).until(() -> has(lines, "node.down", workerId));

        // --- the leader dies
        ClusterInfo before = new ClusterClient(first.api()).info();
        ManagerStatus leader = before.managers().stream().filter(m -> m.id().equals(before.leaderId())).findFirst().orElseThrow();
        String survivor = before.managers().stream().filter(m -> !m.id().equals(leader.id())).findFirst().orElseThrow().apiAddress();
        ClusterNodeProcess leaderNode = nodes.get(leader.apiAddress().substring(0, leader.apiAddress().lastIndexOf(':')));
        leaderNode.kill();
        taskProcessesOf(leader.id()).forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
        await("a new leader's event").atMost(Duration.ofSeconds(60)).until(() -> events(lines).stream().anyMatch(e ->
                e.type().equals("leader.changed") && e.node() != null && !e.node().equals(leader.id())));
        await("four running again").atMost(UP).until(() -> running(survivor) == 4);

        // --- an update whose tasks fail: rolled back
        deploy("""
                services:
                  sleeper:
                    command: ["sh", "-c", "exit 3"]
                    deploy:
                      replicas: 4
                      update_config:
                        parallelism: 4
                        failure_action: rollback
                        monitor: 10s
                        max_failure_ratio: 0
                """, survivor);
        await("the rollback event").atMost(UP).until(() -> has(lines, "service.rolled_back", null));

        // --- the one stream: every expected event, in log order, none twice
        List<ClusterEvent> seen = events(lines);
        for (int i = 1; i < seen.size(); i++) {
            assertThat(seen.get(i).after(seen.get(i - 1).index(), seen.get(i - 1).seq()))
                    .as("log order, no repeat: " + seen.get(i - 1).position() + " then " + seen.get(i).position()).isTrue();
        }
        assertThat(seen).extracting(ClusterEvent::type).contains("leader.changed", "node.joined", "service.created",
                "task.assigned", "task.running", "node.down", "service.updated", "task.failed", "service.rolled_back");
        int down = indexOf(seen, "node.down", workerId);
        int newLeader = -1;
        for (int i = 0; i < seen.size(); i++) {
            if (seen.get(i).type().equals("leader.changed") && !leader.id().equals(seen.get(i).node())) {
                newLeader = i;
            }
        }
        int updated = indexOf(seen, "service.updated", null);
        int rolledBack = indexOf(seen, "service.rolled_back", null);
        assertThat(down).isLessThan(newLeader);
        assertThat(newLeader).isLessThan(updated);
        assertThat(updated).isLessThan(rolledBack);
        assertThat(seen.subList(updated, rolledBack)).anySatisfy(e -> {
            assertThat(e.type()).isEqualTo("task.failed");
            assertThat(e.attributes().get("error")).isNotBlank();
        });

        // --- a second reader resumes midway on another manager: the same rest. It follows until the
        // last index seen (the other manager may not have applied it yet: follow=false would end at its own)
        ClusterEvent midway = seen.get(down);
        List<ClusterEvent> rest = new ArrayList<>();
        try (EventReader again = EventReader.open(new ApiClient(survivor), new EventQuery(midway.position(),
                Long.toString(seen.getLast().index()), true, Map.of()))) {
            ClusterEvent event;
            while ((event = again.next()) != null) {
                rest.add(event);
            }
        }
        // One log entry may hold several events (index, seq): the first reader's snapshot may end
        // within the last entry, which the second reader reads whole. Compared up to the last event seen.
        ClusterEvent last = seen.getLast();
        assertThat(rest.stream().filter(e -> !e.after(last.index(), last.seq())).toList())
                .isEqualTo(seen.subList(down + 1, seen.size()));
        assertThat(rest.getLast().index()).as("the second reader reached the last index seen").isEqualTo(last.index());

        // --- Ctrl-C ends the reader cleanly
        new ProcessBuilder("kill", "-INT", Long.toString(reader.pid())).start().waitFor();
        assertThat(reader.waitFor(20, TimeUnit.SECONDS)).isTrue();
        String err = new String(reader.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(err).doesNotContain("Exception");
        System.out.printf("EventsIT: %d events read through the leader's loss; stderr: %s%n", seen.size(), err.strip());
    }

    private static List<ClusterEvent> events(List<String> lines) {
        return lines.stream().map(line -> Json.read(line, ClusterEvent.class)).toList();
    }

    private static boolean has(List<String> lines, String type, String node) {
        return indexOf(events(lines), type, node) >= 0;
    }

    private static int indexOf(List<ClusterEvent> events, String type, String node) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).type().equals(type) && (node == null || node.equals(events.get(i).node()))) {
                return i;
            }
        }
        return -1;
    }

    private static void readLines(Process process, List<String> lines) {
        try (BufferedReader in = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = in.readLine()) != null) {
                if (line.startsWith("{")) {
                    lines.add(line);
                }
            }
        } catch (IOException e) {
            // the reader ended
        }
    }

    /**
     * The CLI as its own process (java from the distribution, as ClusterNodeProcess starts nodes),
     * with SIGINT at its default disposition: a build started in the background of a
     * non-interactive shell runs with SIGINT ignored, every process it starts inherits that, and a
     * JVM keeps an ignored SIGINT ignored (Ctrl-C would then test nothing).
     */
    private static Process cli(Path tls, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("env", "--default-signal=INT",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx96m", "-cp", ClusterNodeProcess.DIST.resolve("lib") + "/*", "io.flotilla.cli.Main"));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command);
        builder.environment().put(io.flotilla.client.ClientTls.TLS_DIR_ENV, tls.toString());
        return builder.start();
    }

    private void deploy(String compose) throws IOException {
        deploy(compose, nodes.get("127.0.9.2").api());
    }

    private void deploy(String compose, String api) throws IOException {
        Path file = tmp.resolve("compose.yaml");
        Files.writeString(file, compose);
        ShopEndToEndIT.CliResult result = Cli.run(api, "stack", "deploy", "-d", "-c", file.toString(), "ev");
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    private static long running(String api) {
        return new ApiClient(api).serviceTasks(SERVICE).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.state() == TaskState.RUNNING).count();
    }

    private static String nodeIdAt(String api, String address) {
        return new ApiClient(api).nodes().stream().filter(n -> address.equals(n.status().address())).findFirst()
                .orElseThrow().id();
    }

    private String dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name)).toString();
    }

    private ClusterNodeProcess node(String address, String... args) throws IOException {
        String data = null;
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--data")) {
                data = Path.of(args[i + 1]).getFileName().toString();
            }
        }
        ClusterNodeProcess node = new ClusterNodeProcess(address, tmp.resolve(data), args).start();
        nodes.put(address, node);
        return node;
    }

    private static List<Long> taskProcessesOf(String nodeId) {
        return DevNodeProcess.taskProcesses(nodeId);
    }
}
