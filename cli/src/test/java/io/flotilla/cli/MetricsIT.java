package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Metrics on every node (docs/metrics.md): a manager (127.0.10.1) and a worker (127.0.10.2), each
 * its own JVM started with {@code --metrics ADDR:9100}, run a stack whose tasks crash and restart.
 * Each node's scrape is parsed by Prometheus' own parser ({@code promtool check metrics}, Debian's
 * prometheus package) and holds every name docs/metrics.md documents for its kind — the manager's
 * only on the manager — and the restarts show. Then Debian's {@code prometheus} (127.0.10.3:9090, its
 * own storage in a temp dir) scrapes both nodes, and its HTTP API answers {@code up} for both and
 * {@code flotilla_raft_term}. Without prometheus the test is aborted with the reason, or fails
 * under {@code FLOTILLA_REQUIRE_PROMETHEUS=1} (CI, .ci/run).
 */
class MetricsIT {
    private static final String MANAGER = "127.0.10.1";
    private static final String WORKER = "127.0.10.2";
    private static final String PROMETHEUS = "127.0.10.3:9090";
    private static final int METRICS_PORT = 9100;
    private static final int DNS_PORT = 15353;
    private static final Duration UP = Duration.ofSeconds(60);
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();
    private final Set<String> nodeIds = new HashSet<>();
    private Process prometheus;

    @AfterEach
    void tearDown() throws Exception {
        if (prometheus != null) {
            prometheus.destroyForcibly();
            prometheus.waitFor(20, TimeUnit.SECONDS);
        }
        for (ClusterNodeProcess node : nodes) {
            node.close();
        }
        for (long pid : taskProcesses()) { // tasks outlive their agents by design
            ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @Test
    void everyNodeExportsTheDocumentedMetricsAndPrometheusScrapesThem() throws Exception {
        requirePrometheus();
        ClusterNodeProcess manager = node("m1", MANAGER, "init", "--data", dir("m1"), "--advertise", MANAGER,
                "--metrics", MANAGER + ":" + METRICS_PORT, "--dns", MANAGER + ":" + DNS_PORT);
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, manager.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(manager.api(), UP);
        String api = manager.api();
        String token = String.valueOf(new ClusterClient(api).joinToken("worker", false).get("token"));
        node("w1", WORKER, "join", "--token", token, "--data", dir("w1"), "--advertise", WORKER,
                "--metrics", WORKER + ":" + METRICS_PORT, "--dns", WORKER + ":" + DNS_PORT, api);
        await("two ready nodes").atMost(UP).pollInterval(Duration.ofMillis(200)).until(() ->
                new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count() == 2);
        new ApiClient(api).nodes().forEach(n -> nodeIds.add(n.id()));

        Path compose = tmp.resolve("compose.yaml");
        Files.writeString(compose, """
                services:
                  crasher:
                    command: ["sh", "-c", "sleep 0.2; exit 3"]
                    deploy:
                      replicas: 2
                      restart_policy:
                        delay: 200ms
                """);
        ShopEndToEndIT.CliResult deployed = Cli.run(api, "stack", "deploy", "-d", "-c", compose.toString(), "mx");
        assertThat(deployed.exitCode()).as(deployed.toString()).isZero();
        await("restarts counted").atMost(UP).pollInterval(Duration.ofMillis(500)).until(() ->
                sample(scrape(MANAGER), "flotilla_agent_task_restarts_total") + sample(scrape(WORKER),
                        "flotilla_agent_task_restarts_total") > 0);
        new ProcessBuilder("dig", "@" + WORKER, "-p", Integer.toString(DNS_PORT), "+short", "+time=1", "+tries=1",
                "nope.mx.flotilla", "A").redirectErrorStream(true).start().waitFor(5, TimeUnit.SECONDS);

        MetricsDoc doc = MetricsDoc.read();
        String managerScrape = scrape(MANAGER);
        String workerScrape = scrape(WORKER);
        assertParses(managerScrape, "manager");
        assertParses(workerScrape, "worker");
        for (String name : doc.names(MetricsDoc.Where.MANAGER, MetricsDoc.Where.EVERY_NODE)) {
            assertThat(exported(managerScrape, name)).as("%s on the manager", name).isTrue();
        }
        for (String name : doc.names(MetricsDoc.Where.EVERY_NODE)) {
            assertThat(exported(workerScrape, name)).as("%s on the worker", name).isTrue();
        }
        for (String name : doc.names(MetricsDoc.Where.MANAGER)) {
            assertThat(exported(workerScrape, name)).as("%s on the worker (no manager role)", name).isFalse();
        }
        if (managerScrape.contains("driver=\"docker\"")) {
            for (String name : doc.names(MetricsDoc.Where.WITH_DOCKER)) {
                assertThat(exported(managerScrape, name)).as("%s on a node with Docker", name).isTrue();
            }
        }
        assertThat(sample(managerScrape, "flotilla_raft_is_leader")).isEqualTo(1);
        assertThat(sample(managerScrape, "flotilla_raft_term")).isGreaterThanOrEqualTo(1);
        assertThat(sample(managerScrape, "flotilla_dispatcher_sessions")).isEqualTo(2);
        assertThat(sample(workerScrape, "flotilla_dns_queries_total{rcode=\"nxdomain\"}")).isGreaterThanOrEqualTo(1);

        startPrometheus();
        await("prometheus sees both nodes up").atMost(UP).pollInterval(Duration.ofMillis(500))
                .ignoreExceptionsInstanceOf(java.net.ConnectException.class) // until prometheus listens
                .until(() -> query("up").split("\"value\"").length - 1 == 2 && !query("up").contains("\"0\"]"));
        String term = query("flotilla_raft_term");
        assertThat(term).contains("\"instance\":\"" + MANAGER + ":" + METRICS_PORT + "\"");
        System.out.println("MetricsIT: prometheus answers flotilla_raft_term: " + term);
    }

    /** Prometheus' own text-format parser and linter: exit 0 means no parse error and no lint finding. */
    private void assertParses(String scrape, String node) throws IOException, InterruptedException {
        Process check = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
        check.getOutputStream().write(scrape.getBytes(StandardCharsets.UTF_8));
        check.getOutputStream().close();
        String out = new String(check.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(check.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(check.exitValue()).as("promtool check metrics on the %s's scrape: %s", node, out).isZero();
    }

    /** A documented name is exported when a sample of it (or of its histogram) is in the scrape. */
    static boolean exported(String scrape, String name) {
        return scrape.lines().anyMatch(line -> line.startsWith(name + " ") || line.startsWith(name + "{")
                || line.startsWith(name + "_count"));
    }

    /** The sum of the samples whose name (and labels, if given) start as {@code series} says. */
    static double sample(String scrape, String series) {
        return scrape.lines().filter(line -> line.startsWith(series + " ") || line.startsWith(series + "{")
                        || series.contains("{") && line.startsWith(series.substring(0, series.length() - 1)))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
    }

    private static String scrape(String host) throws IOException, InterruptedException {
        return get("http://" + host + ":" + METRICS_PORT + "/metrics");
    }

    private static String query(String promql) throws IOException, InterruptedException {
        return get("http://" + PROMETHEUS + "/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    }

    private static String get(String url) throws IOException, InterruptedException {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5))
                .build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException(url + " answered " + response.statusCode() + ": " + response.body());
        }
        return response.body();
    }

    private void startPrometheus() throws IOException {
        Path config = tmp.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                  scrape_timeout: 1s
                scrape_configs:
                  - job_name: flotilla
                    static_configs:
                      - targets: ['%s:%d', '%s:%d']
                """.formatted(MANAGER, METRICS_PORT, WORKER, METRICS_PORT));
        Path storage = Files.createDirectories(tmp.resolve("prometheus-data"));
        prometheus = new ProcessBuilder("prometheus", "--config.file=" + config, "--storage.tsdb.path=" + storage,
                "--web.listen-address=" + PROMETHEUS).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("prometheus.log").toFile()).start();
    }

    /** Debian's prometheus (and its promtool): required under CI, else the test is aborted with the reason. */
    private static void requirePrometheus() {
        boolean present = Files.isExecutable(Path.of("/usr/bin/prometheus")) && Files.isExecutable(Path.of("/usr/bin/promtool"));
        if (!present && "1".equals(System.getenv("FLOTILLA_REQUIRE_PROMETHEUS"))) {
            throw new AssertionError("FLOTILLA_REQUIRE_PROMETHEUS=1 but prometheus/promtool are missing"
                    + " (apt-get install prometheus; .ci/run does)");
        }
        Assumptions.assumeTrue(present, "no /usr/bin/prometheus and promtool (apt-get install prometheus)");
    }

    private ClusterNodeProcess node(String name, String address, String... args) throws IOException {
        ClusterNodeProcess node = new ClusterNodeProcess(address, tmp.resolve(name), args).start();
        nodes.add(node);
        return node;
    }

    private String dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name)).toString();
    }

    /** Live task processes of this test's nodes ({@link DevNodeProcess#taskProcesses}). */
    private List<Long> taskProcesses() {
        return nodeIds.stream().flatMap(id -> DevNodeProcess.taskProcesses(id).stream()).toList();
    }
}
