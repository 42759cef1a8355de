package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.Json;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web dashboard end to end in a real browser: headless Debian Chromium driven by
 * playwright-core ({@code dashboard-ui/e2e/page-agent.mjs}) against a real {@code flotilla dev}
 * on 127.0.11.1, with the real CLI beside it. Log in with the link {@code flotilla dashboard}
 * prints; deploy examples/shop from the CLI and watch it converge in the page; SIGKILL a task's
 * process and see it replaced; scale from the page and see the CLI agree; all without a reload.
 * The page's screenshot is kept as {@code cli/target/dashboard-it/dashboard.png}.
 *
 * <p>Without {@code /usr/bin/chromium} (or {@code $CHROMIUM}) it is skipped with the reason, and
 * fails when {@code FLOTILLA_REQUIRE_CHROMIUM=1} (.ci/run installs it).
 */
class DashboardIT {
    private static final Path SHOP = DevNodeProcess.ROOT.resolve("examples/shop/compose.yaml");
    private static final Path UI = DevNodeProcess.ROOT.resolve("dashboard-ui");
    private static final Path ARTIFACTS = DevNodeProcess.ROOT.resolve("cli/target/dashboard-it");
    private static final int CONVERGE_MS = 150_000;

    @TempDir Path tmp;
    private DevNodeProcess node;
    private Process agent;
    private Writer toAgent;
    private BufferedReader fromAgent;

    @AfterEach
    void tearDown() throws Exception {
        if (agent != null) {
            agent.destroy();
            if (!agent.waitFor(10, TimeUnit.SECONDS)) {
                agent.destroyForcibly();
            }
        }
        if (node != null) {
            try {
                node.api().removeStack("shop");
            } catch (RuntimeException ignored) {
                // not deployed, or the node is down
            }
            String nodeId = (String) node.api().info().get("nodeId");
            await().atMost(Duration.ofSeconds(30)).until(() -> DevNodeProcess.taskProcesses(nodeId).isEmpty());
            node.close();
        }
    }

    @Test
    void theDashboardShowsTheClusterLiveAndScalesAsTheCliSees() throws Exception {
        Path chromium = Path.of(System.getenv().getOrDefault("CHROMIUM", "/usr/bin/chromium"));
        boolean required = "1".equals(System.getenv("FLOTILLA_REQUIRE_CHROMIUM"));
        if (!Files.isExecutable(chromium)) {
            assertThat(required).as(chromium + " is missing: apt-get install chromium (FLOTILLA_REQUIRE_CHROMIUM=1)").isFalse();
            Assumptions.abort(chromium + " is missing: the dashboard's browser test needs Debian's chromium");
        }
        assertThat(UI.resolve("node_modules/playwright-core")).as("the dashboard-ui build installs playwright-core").isDirectory();
        Files.createDirectories(ARTIFACTS);

        node = new DevNodeProcess(tmp.resolve("data"), "127.0.11.1").start();
        ShopEndToEndIT.CliResult link = Cli.run(node.host(), "dashboard", "--ttl", "2m");
        assertThat(link.exitCode()).as(link.toString()).isZero();
        String url = link.out().lines().map(String::strip).filter(l -> l.startsWith("https://")).findFirst().orElseThrow();
        assertThat(url).startsWith("https://" + node.host() + "/ui/login#token=");

        startAgent(chromium);
        call("open", Map.of("url", url));
        call("waitUrl", Map.of("suffix", "/ui/", "timeout", 20_000));
        call("mark", Map.of()); // a reload would lose it
        call("waitText", Map.of("testid", "mode", "text", "read-write", "timeout", 10_000));
        call("waitText", Map.of("testid", "stacks", "text", "no stacks", "timeout", 10_000));

        // Deploy from the CLI without waiting: the page follows it to convergence.
        ShopEndToEndIT.CliResult deploy = Cli.run(node.host(), "stack", "deploy", "-d", "-c", SHOP.toString(), "shop");
        assertThat(deploy.exitCode()).as(deploy.toString()).isZero();
        call("waitText", Map.of("testid", "replicas-shop_web", "text", "3/3", "timeout", CONVERGE_MS));
        call("waitText", Map.of("testid", "replicas-shop_backend", "text", "2/2", "timeout", CONVERGE_MS));
        assertThat(text("map")).contains("shop_web.1", "shop_web.2", "shop_web.3", "shop_backend.1");

        // Requests through the node's mesh (the published port) count in shop_web's row. A few at a
        // time until they show: a running task is a backend once healthy (503 before: no backend's
        // meter counts it), and the mesh makes a backend's meters anew when its table changes.
        java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder()
                .version(java.net.http.HttpClient.Version.HTTP_1_1).build();
        java.net.URI published = java.net.URI.create("http://" + node.address + ":8080/");
        String counted = "0";
        for (long end = System.nanoTime() + Duration.ofSeconds(90).toNanos(); counted.equals("0") && System.nanoTime() < end; ) {
            for (int i = 0; i < 5; i++) {
                http.send(java.net.http.HttpRequest.newBuilder(published).build(), java.net.http.HttpResponse.BodyHandlers.discarding());
            }
            Thread.sleep(6_000); // the page reads the meters every 5 s
            counted = text("requests-shop_web");
        }
        assertThat(Integer.parseInt(counted)).as("requests counted in the page").isPositive();

        // SIGKILL one web task's process: the page shows its slot's new task, and the old one as history.
        Task victim = running("shop_web").getFirst();
        ProcessHandle.of(victim.status().pid()).orElseThrow().destroyForcibly();
        call("waitGone", Map.of("selector", "[data-task=\"" + victim.id() + "\"]", "timeout", CONVERGE_MS));
        call("waitText", Map.of("testid", "replicas-shop_web", "text", "3/3", "timeout", CONVERGE_MS));
        assertThat(text("tasks")).contains("1 earlier");

        // Scale from the page (through the confirmation), and the CLI agrees.
        call("click", Map.of("testid", "scale-shop_web"));
        call("fill", Map.of("testid", "confirm-input", "value", "4"));
        call("click", Map.of("testid", "confirm-ok"));
        call("waitText", Map.of("testid", "replicas-shop_web", "text", "4/4", "timeout", CONVERGE_MS));
        List<Map<String, Object>> services = ShopEndToEndIT.json(Cli.run(node.host(), "service", "ls", "--format", "json"));
        Map<String, Object> web = services.stream().filter(s -> "shop_web".equals(s.get("name"))).findFirst().orElseThrow();
        assertThat(web).containsEntry("desired", 4).containsEntry("running", 4);
        // The event pane follows the cluster's event stream live: the killed task's failure, the
        // scale, and the page's own action as an audit event with its session.
        call("waitText", Map.of("testid", "events", "text", "service.scaled", "timeout", 20_000));
        call("waitText", Map.of("testid", "events", "text", "dashboard session", "timeout", 20_000));
        assertThat(text("events")).contains("task.failed").contains("audit");

        call("screenshot", Map.of("path", ARTIFACTS.resolve("dashboard.png").toString()));
        Map<String, Object> marked = call("marked", Map.of());
        assertThat(marked.get("marked")).as("the page was never reloaded").isEqualTo(true);
        call("quit", Map.of());
    }

    private List<Task> running(String service) {
        return node.api().serviceTasks(service).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.status().state() == TaskState.RUNNING).toList();
    }

    private void startAgent(Path chromium) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("node", "e2e/page-agent.mjs").directory(UI.toFile())
                .redirectError(ProcessBuilder.Redirect.appendTo(ARTIFACTS.resolve("page-agent.log").toFile()));
        builder.environment().put("CHROMIUM", chromium.toString());
        builder.environment().put("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        agent = builder.start();
        toAgent = new OutputStreamWriter(agent.getOutputStream(), StandardCharsets.UTF_8);
        fromAgent = new BufferedReader(new InputStreamReader(agent.getInputStream(), StandardCharsets.UTF_8));
    }

    private String text(String testid) throws IOException {
        return String.valueOf(call("text", Map.of("testid", testid)).get("text"));
    }

    /** One command to the page agent, its answer; a failed one fails the test with the node's output. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> call(String cmd, Map<String, Object> args) throws IOException {
        Map<String, Object> request = new LinkedHashMap<>(args);
        request.put("cmd", cmd);
        toAgent.write(Json.write(request) + "\n");
        toAgent.flush();
        String line = fromAgent.readLine();
        assertThat(line).as("the page agent ended; see " + ARTIFACTS.resolve("page-agent.log")).isNotNull();
        Map<String, Object> answer = Json.read(line, Map.class);
        if (!Boolean.TRUE.equals(answer.get("ok"))) {
            try {
                if (!cmd.equals("screenshot"))
                    call("screenshot", Map.of("path", ARTIFACTS.resolve("failed-" + cmd + ".png").toString()));
            } catch (AssertionError | IOException ignored) {
                // the failure below says what matters
            }
            throw new AssertionError(cmd + " " + args + " failed: " + answer.get("error") + "\nnode output:\n" + node.output());
        }
        return answer;
    }
}
