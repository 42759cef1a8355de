package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.VirtualAddresses;
import io.flotilla.model.api.ServiceUpdateRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
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
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The routing mesh on a real cluster: a manager and two workers, each its own JVM on its own
 * loopback address (127.0.0.2–4), tasks as real processes (the demo backend, which echoes who
 * called). One published HTTP port shared by three services (by path and Host), reached on every
 * node; a backend SIGKILLed under steady load and a rolling update under load, with no failed
 * request; the client's address in X-Forwarded-For; a service's virtual address from DNS; the
 * mesh's Prometheus metrics.
 */
class MeshIT {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final List<String> HOSTS = List.of("127.0.0.2", "127.0.0.3", "127.0.0.4");
    private static final Pattern TASK = Pattern.compile("task=(\\S+) service=(\\S+) slot=\\S+ node=(\\S+)");

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes) {
            node.close();
            // what each node's mesh said (kept in the test output for a failed run)
            node.output().lines().filter(l -> l.contains("mesh") || l.contains("Mesh") || l.contains("WARN"))
                    .limit(40).forEach(l -> System.out.println(node.address + " | " + l));
        }
        ProcessHandle.allProcesses().forEach(p -> environ(p.pid()).ifPresent(env -> {
            if (env.contains("FLOTILLA_SERVICE=mesh_")) {
                p.destroyForcibly();
            }
        }));
    }

    @Test
    void publishedPortsReachEveryReplicaFromEveryNodeAndLoseNothing() throws Exception {
        int published = DevNodeProcess.freePort();
        int dnsPort = DevNodeProcess.freePort();
        int metricsPort = DevNodeProcess.freePort();
        ClusterNodeProcess first = node("127.0.0.2", "init", "--data", dir("m1"), "--advertise", "127.0.0.2",
                "--dns", "127.0.0.2:" + dnsPort, "--metrics", "127.0.0.2:" + metricsPort);
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, first.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(first.api(), UP);
        String token = String.valueOf(new ClusterClient(first.api()).joinToken("worker", false).get("token"));
        node("127.0.0.3", "join", "--token", token, "--data", dir("w1"), "--advertise", "127.0.0.3", "--no-dns", first.api());
        node("127.0.0.4", "join", "--token", token, "--data", dir("w2"), "--advertise", "127.0.0.4", "--no-dns", first.api());
        ApiClient api = new ApiClient(first.api());
        await("three ready nodes").atMost(UP).pollInterval(Duration.ofMillis(500)).until(() ->
                api.nodes().stream().filter(n -> n.status().state() == NodeState.READY).count() == 3);

        deploy(first.api(), published);
        await("every replica running and healthy").atMost(UP).pollInterval(Duration.ofMillis(500)).until(() ->
                running(api, "mesh_web").size() == 3 && running(api, "mesh_api").size() == 1
                        && running(api, "mesh_admin").size() == 1);

        // --- every node's published port reaches every web replica, wherever it runs
        Set<String> webTasks = new HashSet<>(running(api, "mesh_web").stream().map(Task::id).toList());
        for (String host : HOSTS) {
            Set<String> seen = new HashSet<>();
            await("node " + host + " reaches every web replica").atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
                Matcher m = TASK.matcher(get(host, published, "/", null));
                if (m.find()) {
                    assertThat(m.group(2)).isEqualTo("mesh_web");
                    seen.add(m.group(1));
                }
                return seen.containsAll(webTasks);
            });
        }
        // --- host and path routing on the one shared port
        assertThat(get("127.0.0.3", published, "/api/orders", null)).contains("service=mesh_api", "path=/api/orders");
        assertThat(get("127.0.0.4", published, "/", "admin.example")).contains("service=mesh_admin");
        assertThat(get("127.0.0.4", published, "/apix", null)).contains("service=mesh_web");

        // --- the backend sees the client's address
        assertThat(rawGet("127.0.0.9", "127.0.0.3", published)).contains("forwarded-for=127.0.0.9");

        // --- east-west: DNS answers web's virtual address, and the mesh serves it
        String vip = VirtualAddresses.of("mesh_web");
        assertThat(resolve(dnsPort, "web.mesh.flotilla.")).containsExactly(vip);
        assertThat(resolve(dnsPort, "tasks.web.mesh.flotilla.")).isNotEmpty().doesNotContain(vip);
        assertThat(get(vip, 8080, "/", null)).contains("service=mesh_web");

        // --- SIGKILL a web task under steady load: no failed request
        try (HttpLoad load = new HttpLoad(HOSTS, published)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 50);
            Task victim = running(api, "mesh_web").getFirst();
            killTask(victim.id());
            await("a replacement runs").atMost(UP).pollInterval(Duration.ofMillis(200)).until(() -> {
                List<Task> web = running(api, "mesh_web");
                return web.size() == 3 && web.stream().noneMatch(t -> t.id().equals(victim.id()));
            });
            long before = load.ok.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > before + 50);
            assertThat(load.failures).as("failed requests around the SIGKILL").isEmpty();
            System.out.printf("MeshIT: SIGKILL under load: %d requests, 0 failed%n", load.ok.get());
        }

        // --- a rolling update under load: no failed request
        try (HttpLoad load = new HttpLoad(HOSTS, published)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 50);
            api.updateService("mesh_web", new ServiceUpdateRequest(null, Map.of("GENERATION", "2"), null, null, null,
                    null, null, null, null, null, null, null, false));
            await("the update completes").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                    .conditionEvaluationListener(c -> {
                        if (!c.isSatisfied() && c.getElapsedTimeInMS() % 10_000 < 500) {
                            System.out.println("MeshIT: update status " + api.service("mesh_web").updateStatus());
                        }
                    }).until(() -> {
                Service web = api.service("mesh_web");
                return web.updateStatus() != null && web.updateStatus().state() == io.flotilla.model.ServiceUpdateStatus.State.COMPLETED
                        && running(api, "mesh_web").stream().allMatch(t -> t.serviceVersion() == web.version());
            });
            long before = load.ok.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > before + 50);
            assertThat(load.failures).as("failed requests during the rolling update").isEmpty();
            System.out.printf("MeshIT: rolling update under load: %d requests, 0 failed%n", load.ok.get());
        }

        // --- the mesh's metrics, for Prometheus
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.2:" + metricsPort + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        assertThat(metrics).contains("flotilla_mesh").contains("mesh_web");

        // --- every node's mesh counters reach the leader in its agent's reports (the dashboard's rates)
        await("every node's mesh counters at the leader").atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(500))
                .until(() -> java.util.Arrays.stream(api.get("/v1/dispatcher/traffic",
                                io.flotilla.model.api.MeshTraffic[].class, Duration.ofSeconds(5)))
                        .filter(t -> t.backends().stream().anyMatch(b -> b.service().equals("mesh_web") && b.requests() > 0))
                        .count() == HOSTS.size());
    }

    private void deploy(String api, int published) throws IOException {
        String program = DevNodeProcess.ROOT.resolve("flotilla").toString();
        Path compose = tmp.resolve("compose.yaml");
        Files.writeString(compose, """
                x-probe: &probe
                  test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/$${FLOTILLA_ADDRESS:-127.0.0.1}/$$PORT && printf 'GET /health HTTP/1.0\\\\r\\\\n\\\\r\\\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
                  interval: 1s
                  timeout: 2s
                  retries: 2
                  start_period: 30s
                x-app: &app
                  command: ["%1$s", "demo-app", "backend"]
                  healthcheck: *probe
                  stop_grace_period: 5s
                services:
                  web:
                    <<: *app
                    ports: [{name: http, target: 8080, published: %2$d, app_protocol: http}]
                    deploy:
                      replicas: 3
                      update_config: {parallelism: 2, order: start-first, monitor: 1s}
                  api:
                    <<: *app
                    ports: [{name: http, target: 8081, published: %2$d, app_protocol: http}]
                    deploy: {labels: {flotilla.http.path: /api}}
                  admin:
                    <<: *app
                    ports: [{name: http, target: 8082, published: %2$d, app_protocol: http}]
                    labels: [flotilla.http.host=admin.example]
                """.formatted(program, published));
        ShopEndToEndIT.CliResult result = Cli.run(api, "stack", "deploy", "-d", "-c", compose.toString(), "mesh");
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    private String get(String host, int port, String path, String hostHeader) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
                .timeout(Duration.ofSeconds(5));
        if (hostHeader != null) {
            // the JDK client refuses to set Host; a raw request does it
            return rawRequest(null, host, port, path, hostHeader);
        }
        HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** A request from {@code localAddress} (another loopback host), as a client elsewhere would send it. */
    private static String rawGet(String localAddress, String host, int port) throws IOException {
        return rawRequest(localAddress, host, port, "/", host);
    }

    private static String rawRequest(String localAddress, String host, int port, String path, String hostHeader)
            throws IOException {
        try (Socket socket = new Socket()) {
            if (localAddress != null) {
                socket.bind(new InetSocketAddress(localAddress, 0));
            }
            socket.connect(new InetSocketAddress(host, port), 2000);
            socket.setSoTimeout(5000);
            OutputStream out = socket.getOutputStream();
            out.write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nConnection: close\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            String response = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            assertThat(response).startsWith("HTTP/1.1 200");
            return response;
        }
    }

    private static List<String> resolve(int port, String name) throws IOException {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress("127.0.0.2", port));
        resolver.setTimeout(Duration.ofSeconds(3));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
        return answer.getSection(Section.ANSWER).stream().map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    static List<Task> running(ApiClient api, String service) {
        return api.serviceTasks(service).stream().filter(t -> t.state() == TaskState.RUNNING
                && t.desiredState() == TaskState.RUNNING && "healthy".equals(t.status().health())).toList();
    }

    private static void killTask(String taskId) {
        ProcessHandle.allProcesses().forEach(p -> environ(p.pid()).ifPresent(env -> {
            if (env.contains("FLOTILLA_TASK_ID=" + taskId + "\0")) {
                p.destroyForcibly();
            }
        }));
    }

    static java.util.Optional<String> environ(long pid) {
        try {
            return java.util.Optional.of(new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"))));
        } catch (IOException | SecurityException e) {
            return java.util.Optional.empty();
        }
    }

    private ClusterNodeProcess node(String address, String... args) throws IOException {
        String data = null;
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals("--data")) {
                data = args[i + 1];
            }
        }
        ClusterNodeProcess node = new ClusterNodeProcess(address, Path.of(data), args).start();
        nodes.add(node);
        return node;
    }

    private String dir(String name) throws IOException {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        return dir.toString();
    }
}
