package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.core.type.TypeReference;
import io.flotilla.client.ApiClient;
import io.flotilla.model.Json;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * examples/shop on a real {@code flotilla dev} process: real Raft log on disk, real task
 * processes, the real CLI. One scenario, in the order a user would live it, because each step
 * builds on the cluster the previous one left.
 */
class ShopEndToEndIT {
    private static final Path SHOP = DevNodeProcess.ROOT.resolve("examples/shop/compose.yaml");
    private static final Duration CONVERGE = Duration.ofSeconds(120);

    @TempDir Path tmp;
    private DevNodeProcess node;

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            try {
                node.api().removeStack("shop");
            } catch (RuntimeException ignored) {
                // already removed, or the node is down
            }
            String nodeId = nodeIdOrNull();
            await().atMost(Duration.ofSeconds(30)).until(() -> nodeId == null || DevNodeProcess.taskProcesses(nodeId).isEmpty());
            node.close();
        }
    }

    @Test
    void shopDeploysHealsScalesSurvivesARestartAndLeavesNothingBehind() throws Exception {
        node = new DevNodeProcess(tmp.resolve("data")).start();
        ApiClient api = node.api();

        // Deploy through the CLI, which follows the stack until it converges.
        CliResult deploy = cli("stack", "deploy", "-c", SHOP.toString(), "shop");
        assertThat(deploy.exitCode).as(deploy.toString()).isZero();
        assertThat(deploy.out).contains("Creating service shop_web", "Creating service shop_backend", "converged");
        assertThat(runningTasks(api, "shop_web")).hasSize(3);
        assertThat(runningTasks(api, "shop_backend")).hasSize(2);

        // Every web replica answers over HTTP with its own identity, and reaches a backend it found
        // through the discovery API (FLOTILLA_API, a live endpoint list).
        for (Task task : runningTasks(api, "shop_web")) {
            String body = httpGet(task.status().hostPorts().get("http"));
            assertThat(body).contains("task=" + task.id()).contains("backend: backend task=")
                    .contains("backend-via: discovery");
        }

        // The scripting contract of --format json.
        List<Map<String, Object>> services = json(cli("service", "ls", "--format", "json"));
        assertThat(services).extracting(s -> s.get("name")).contains("shop_web", "shop_backend");
        Map<String, Object> web = services.stream().filter(s -> s.get("name").equals("shop_web")).findFirst().orElseThrow();
        assertThat(web).containsEntry("mode", "replicated").containsEntry("running", 3).containsEntry("desired", 3);
        List<Map<String, Object>> ps = json(cli("service", "ps", "shop_web", "--format", "json"));
        assertThat(ps).allSatisfy(t -> assertThat(t).containsKeys("id", "slot", "node", "desiredState", "state"));
        assertThat(ps).filteredOn(t -> "running".equals(t.get("state"))).allSatisfy(t -> assertThat(t.get("pid")).isNotNull());

        // SIGKILL a task: a new task replaces it in the same slot.
        Task victim = runningTasks(api, "shop_web").getFirst();
        ProcessHandle.of(victim.status().pid()).orElseThrow().destroyForcibly();
        await().atMost(CONVERGE).until(() -> runningTasks(api, "shop_web").stream()
                .anyMatch(t -> t.slot() == victim.slot() && !t.id().equals(victim.id())));
        assertThat(api.serviceTasks("shop_web")).filteredOn(t -> t.id().equals(victim.id()))
                .singleElement().satisfies(t -> assertThat(t.state()).isEqualTo(TaskState.FAILED));

        // Scale up, then down: the highest slots stop first.
        assertThat(cli("service", "scale", "shop_web=5").exitCode).isZero();
        await().atMost(CONVERGE).until(() -> runningTasks(api, "shop_web").size() == 5);
        assertThat(cli("service", "scale", "shop_web=2").exitCode).isZero();
        await().atMost(CONVERGE).until(() -> runningTasks(api, "shop_web").size() == 2);
        assertThat(runningTasks(api, "shop_web")).extracting(Task::slot).containsExactlyInAnyOrder(1, 2);

        // SIGKILL the node itself, start it again on the same data dir: the same processes are adopted.
        String nodeId = nodeIdOrNull();
        Set<Long> pidsBefore = pids(runningTasks(api, "shop_web"), runningTasks(api, "shop_backend"));
        await().atMost(Duration.ofSeconds(30)).until(() -> Set.copyOf(DevNodeProcess.demoAppProcesses(nodeId)).equals(pidsBefore));
        node.kill();
        assertThat(pidsBefore).allSatisfy(pid -> assertThat(ProcessHandle.of(pid)).isPresent());
        node.start();
        await().atMost(CONVERGE).until(() -> runningTasks(api, "shop_web").size() == 2
                && runningTasks(api, "shop_backend").size() == 2);
        assertThat(pids(runningTasks(api, "shop_web"), runningTasks(api, "shop_backend"))).isEqualTo(pidsBefore);
        assertThat(Set.copyOf(DevNodeProcess.demoAppProcesses(nodeId))).as("no duplicates, no orphans").isEqualTo(pidsBefore);

        // stack rm leaves no process behind.
        CliResult rm = cli("stack", "rm", "shop");
        assertThat(rm.exitCode).as(rm.toString()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> DevNodeProcess.taskProcesses(nodeId).isEmpty());
        assertThat(cli("stack", "ls", "--format", "json").out.strip()).isEqualTo("[ ]");
    }

    private String nodeIdOrNull() {
        try {
            return (String) node.api().info().get("nodeId");
        } catch (RuntimeException e) {
            return null;
        }
    }

    @SafeVarargs
    private static Set<Long> pids(List<Task>... lists) {
        return java.util.Arrays.stream(lists).flatMap(List::stream).map(t -> t.status().pid()).collect(Collectors.toSet());
    }

    static List<Task> runningTasks(ApiClient api, String service) {
        return api.serviceTasks(service).stream()
                .filter(t -> Convergence.isUp(t) && t.desiredState() == TaskState.RUNNING).toList();
    }

    static String httpGet(int port) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + port + "/")).timeout(Duration.ofSeconds(10)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }

    record CliResult(int exitCode, String out, String err) {}

    /** Runs the CLI in this JVM against the node, capturing what a user would see. */
    CliResult cli(String... args) {
        return Cli.run(node.host(), args);
    }

    static List<Map<String, Object>> json(CliResult result) {
        assertThat(result.exitCode).as(result.toString()).isZero();
        return Json.read(result.out, List.class);
    }
}
