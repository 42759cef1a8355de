package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.api.ManagerStatus;
import io.flotilla.model.api.ServiceUpdateRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A manager whose own state falls behind still routes to the tasks that run now: three managers,
 * each its own JVM on its own loopback address (127.0.0.2–4), tasks as real processes. A follower's
 * Raft port is cut (an iptables rule in a chain of this test: its leader's appends never arrive,
 * while its agent's session and registry stream, on the leader's API, go on), then a rolling update
 * replaces every task. Through the follower's published port every request is answered by a new
 * task, and its DNS server answers the new tasks' SRV records: its mesh saw its state lag and
 * routes from the leader's registry ({@code flotilla_mesh_manager_behind} 1), its DNS answers from
 * the same, and both go back to its own state once the cut is healed. Without that, it would route
 * to the stopped tasks and answer 502 (the chaos run's finding), and name tasks that are gone.
 *
 * <p>The cut rejects with a TCP reset rather than dropping: the leader's connection then fails at
 * once and reconnects as soon as the cut is healed. With a drop, one run of eight did not see the
 * follower catch up within 30 s of the heal (not investigated; TCP's retransmission backoff on the
 * leader's stalled connection is the likely wait).
 */
class LaggingManagerMeshIT {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final Pattern TASK = Pattern.compile("task=(\\S+) service=(\\S+)");
    private static final String SWITCHED = "routing from the leader's registry";
    private static final String SRV = "_http._tcp.web.lag.flotilla.";

    @TempDir Path tmp;
    private final Map<String, ClusterNodeProcess> nodes = new HashMap<>();
    private final Map<String, Integer> metricsPorts = new HashMap<>();
    private final Map<String, Integer> dnsPorts = new HashMap<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final String chain = "FLLAG-" + ProcessHandle.current().pid();
    private boolean cut;

    @AfterEach
    void tearDown() throws Exception {
        if (cut) {
            heal();
        }
        for (ClusterNodeProcess node : nodes.values()) {
            node.close();
            node.output().lines().filter(l -> l.contains("mesh:")).limit(30)
                    .forEach(l -> System.out.println(node.address + " | " + l));
            // every node's whole log, for a failed run
            Path kept = Path.of("target", "LaggingManagerMeshIT", node.address + ".log");
            Files.createDirectories(kept.getParent());
            Files.copy(node.log, kept, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        ProcessHandle.allProcesses().forEach(p -> MeshIT.environ(p.pid()).ifPresent(env -> {
            if (env.contains("FLOTILLA_SERVICE=lag_")) {
                p.destroyForcibly();
            }
        }));
    }

    @Test
    void aFollowerCutFromItsLeadersAppendsRoutesToTheTasksThatRunNow() throws Exception {
        int published = DevNodeProcess.freePort();
        ClusterNodeProcess first = node("127.0.0.2", "init");
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, first.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(first.api(), UP);
        String token = String.valueOf(new ClusterClient(first.api()).joinToken("manager", false).get("token"));
        node("127.0.0.3", "join", "--token", token, first.api());
        node("127.0.0.4", "join", "--token", token, first.api());
        await("three managers, one leading").atMost(UP).pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
            List<ManagerStatus> managers = new ClusterClient(first.api()).info().managers();
            return managers.size() == 3 && managers.stream().filter(m -> m.status().equals("Leader")).count() == 1
                    && managers.stream().filter(m -> m.status().equals("Reachable")).count() == 2;
        });
        deploy(first.api(), published);
        ApiClient api = new ApiClient(first.api());
        await("both replicas running and healthy").atMost(UP).pollInterval(Duration.ofMillis(500))
                .until(() -> MeshIT.running(api, "lag_web").size() == 2);

        List<ManagerStatus> managers = new ClusterClient(first.api()).info().managers();
        ManagerStatus leader = managers.stream().filter(m -> m.status().equals("Leader")).findFirst().orElseThrow();
        List<String> followers = managers.stream().filter(m -> !m.status().equals("Leader"))
                .map(m -> host(m.apiAddress())).sorted().toList();
        String lagging = followers.get(0);
        String healthy = followers.get(1);
        ApiClient leaderApi = new ApiClient(leader.apiAddress());
        Set<String> before = ids(MeshIT.running(leaderApi, "lag_web"));
        await("the follower's mesh serves the tasks").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> before.contains(answeredBy(lagging, published)));
        String leaderHost = host(leader.apiAddress());
        await("the follower's DNS names the tasks").atMost(Duration.ofSeconds(30)).ignoreExceptions()
                .until(() -> srv(lagging).size() == 2 && srv(lagging).equals(srv(leaderHost)));
        Set<String> srvBefore = srv(lagging);

        // --- cut the follower's Raft port: the leader's appends to it are dropped from now on
        iptables("-N", chain);
        cut = true;
        iptables("-I", "OUTPUT", "1", "-j", chain);
        iptables("-A", chain, "-p", "tcp", "-d", lagging, "--dport", "4781", "-j", "REJECT", "--reject-with", "tcp-reset");

        // --- replace every task
        leaderApi.updateService("lag_web", new ServiceUpdateRequest(null, Map.of("GENERATION", "2"), null, null, null,
                null, null, null, null, null, null, null, false));
        await("the update completes").atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500)).until(() -> {
            Service web = leaderApi.service("lag_web");
            List<Task> running = MeshIT.running(leaderApi, "lag_web");
            return web.updateStatus() != null && web.updateStatus().state() == ServiceUpdateStatus.State.COMPLETED
                    && running.size() == 2 && running.stream().allMatch(t -> t.serviceVersion() == web.version());
        });
        Set<String> after = ids(MeshIT.running(leaderApi, "lag_web"));
        assertThat(after).doesNotContainAnyElementsOf(before);
        await("the old tasks' processes are gone").atMost(Duration.ofSeconds(30)).until(() ->
                ProcessHandle.allProcesses().noneMatch(p -> MeshIT.environ(p.pid())
                        .filter(env -> before.stream().anyMatch(id -> env.contains("FLOTILLA_TASK_ID=" + id + "\0"))).isPresent()));

        // --- the follower's own state still holds the old tasks; its mesh routes to the new ones
        assertThat(ids(MeshIT.running(new ApiClient(lagging + ":4780"), "lag_web")))
                .as("the cut follower's own state (a stale read) still lists the old tasks").isEqualTo(before);
        for (int i = 0; i < 20; i++) {
            assertThat(answeredBy(lagging, published)).as("request %d through the cut follower", i).isIn(after);
        }
        assertThat(behind(lagging)).as("flotilla_mesh_manager_behind on the cut follower").isEqualTo(1);
        await("the leader's DNS names the new tasks").atMost(Duration.ofSeconds(10)).ignoreExceptions()
                .until(() -> srv(leaderHost).size() == 2 && !srv(leaderHost).equals(srvBefore));
        assertThat(srv(lagging)).as("SRV records from the cut follower's DNS").isEqualTo(srv(leaderHost));
        assertThat(behind(healthy)).as("flotilla_mesh_manager_behind on the other follower").isZero();

        // --- healed: it catches up and routes from its own state again
        heal();
        await("the follower caught up").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .ignoreExceptions().until(() -> behind(lagging) == 0);
        assertThat(answeredBy(lagging, published)).isIn(after);
        assertThat(nodes.get(lagging).output()).contains(SWITCHED, "routing from its own state again");
        assertThat(nodes.get(healthy).output()).as("a follower that kept up never switches").doesNotContain(SWITCHED);
        assertThat(nodes.get(host(leader.apiAddress())).output()).as("nor does the leader").doesNotContain(SWITCHED);
    }

    private void deploy(String api, int published) throws IOException {
        String program = DevNodeProcess.ROOT.resolve("flotilla").toString();
        Path compose = tmp.resolve("compose.yaml");
        Files.writeString(compose, """
                services:
                  web:
                    command: ["%1$s", "demo-app", "backend"]
                    healthcheck:
                      test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/$${FLOTILLA_ADDRESS:-127.0.0.1}/$$PORT && printf 'GET /health HTTP/1.0\\\\r\\\\n\\\\r\\\\n' >&3 && head -n 1 <&3 | grep -q ' 200 '"]
                      interval: 1s
                      timeout: 2s
                      retries: 2
                      start_period: 30s
                    stop_grace_period: 2s
                    ports: [{name: http, target: 8080, published: %2$d, app_protocol: http}]
                    deploy:
                      replicas: 2
                      update_config: {parallelism: 2, order: start-first, monitor: 1s}
                """.formatted(program, published));
        ShopEndToEndIT.CliResult result = Cli.run(api, "stack", "deploy", "-d", "-c", compose.toString(), "lag");
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    /** The task that answered a request through {@code host}'s published port. */
    private String answeredBy(String host, int port) throws Exception {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/"))
                .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Matcher m = TASK.matcher(response.body());
        assertThat(m.find()).as(response.body()).isTrue();
        return m.group(1);
    }

    private int behind(String host) throws Exception {
        String metrics = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + metricsPorts.get(host) + "/metrics"))
                .build(), HttpResponse.BodyHandlers.ofString()).body();
        return metrics.lines().filter(l -> l.startsWith("flotilla_mesh_manager_behind "))
                .mapToInt(l -> (int) Double.parseDouble(l.substring(l.indexOf(' ') + 1).trim())).findFirst()
                .orElseThrow(() -> new AssertionError("no flotilla_mesh_manager_behind on " + host));
    }

    /** The SRV records of web's http port from {@code host}'s DNS server, as "target:port". */
    private Set<String> srv(String host) throws IOException {
        SimpleResolver resolver = new SimpleResolver(new InetSocketAddress(host, dnsPorts.get(host)));
        resolver.setTimeout(Duration.ofSeconds(3));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(SRV), Type.SRV, DClass.IN)));
        return answer.getSection(Section.ANSWER).stream().map(r -> (SRVRecord) r)
                .map(r -> r.getTarget() + ":" + r.getPort()).collect(Collectors.toSet());
    }

    private static Set<String> ids(List<Task> tasks) {
        return tasks.stream().map(Task::id).collect(Collectors.toSet());
    }

    private static String host(String hostPort) {
        return hostPort.substring(0, hostPort.lastIndexOf(':'));
    }

    private void heal() throws IOException, InterruptedException {
        cut = false;
        iptables("-D", "OUTPUT", "-j", chain);
        iptables("-F", chain);
        iptables("-X", chain);
    }

    private static void iptables(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("iptables", "-w"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes());
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }

    private ClusterNodeProcess node(String address, String command, String... rest) throws IOException {
        Path data = tmp.resolve(address);
        Files.createDirectories(data);
        int metrics = DevNodeProcess.freePort();
        metricsPorts.put(address, metrics);
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(rest).subList(0, Math.max(0, rest.length - 1)));
        int dns = DevNodeProcess.freePort();
        dnsPorts.put(address, dns);
        args.addAll(List.of("--data", data.toString(), "--advertise", address, "--dns", address + ":" + dns,
                "--metrics", address + ":" + metrics));
        if (rest.length > 0) {
            args.add(rest[rest.length - 1]); // join's manager address comes last
        }
        ClusterNodeProcess node = new ClusterNodeProcess(address, data, args.toArray(String[]::new)).start();
        nodes.put(address, node);
        return node;
    }
}
