package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13 end to end: three hosts as network namespaces on an isolated underlay, each with its own
 * dockerd and a real Flotilla node ({@code init} / {@code join}, the overlay on by default), a stack with
 * {@code front} and {@code back} networks whose replicas spread over the hosts, containers and
 * process tasks. Checked from inside the tasks, as an application would: names answer, VIPs and
 * task addresses reach across hosts over VXLAN (a capture on the underlay sees UDP 4789), a service
 * that declares no port answers on its VIP at the port it listens on, a service on another network
 * or another stack neither resolves nor answers, a killed host's task runs elsewhere with a new
 * address its name follows, and the manager's restart changes no task's address and gives none twice.
 */
class OverlayNetworkIT {
    private static final Duration UP = Duration.ofSeconds(90);
    private static final String SHOP = """
            services:
              web:
                image: %1$s
                command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
                init: true
                expose: ["8080"]
                networks: [front]
                deploy: {replicas: 3, placement: {max_replicas_per_node: 1}}
              api:
                image: %1$s
                command: ["httpd", "-f", "-p", "8081", "-h", "/www"]
                init: true
                expose: ["8081"]
                networks: [front, back]
                deploy: {mode: global}
              db:
                image: %1$s
                command: ["httpd", "-f", "-p", "8082", "-h", "/www"]
                init: true
                expose: ["8082"]
                networks: [back]
                deploy: {placement: {constraints: ["node.role == worker"]}}
              cache:
                image: %1$s
                command: ["httpd", "-f", "-p", "8083", "-h", "/www"]
                init: true
                networks: [back]
                deploy: {replicas: 2}
              client:
                image: %1$s
                command: ["sh", "-c", "while :; do sleep 1; done"]
                init: true
                networks: [front]
                deploy: {mode: global}
              proc:
                command: ["/bin/busybox", "httpd", "-f", "-p", "8090", "-h", "%2$s"]
                expose: ["8090"]
                networks: [front]
                x-flotilla: {driver: process}
                deploy: {replicas: 2}
            networks:
              front: {}
              back: {}
            """;
    private static final String BLOG = """
            services:
              reader:
                image: %1$s
                command: ["sh", "-c", "while :; do sleep 1; done"]
                init: true
            """;

    @TempDir static Path tmp;
    static final List<ClusterNodeProcess> NODES = new ArrayList<>();
    static String api;

    @BeforeAll
    static void cluster() throws Exception {
        NetnsHosts.down(); // whatever a killed run left
        NetnsHosts.up(3);
        // No --overlay: auto, the default, turns it on for a root node advertising an address other hosts reach.
        ClusterNodeProcess first = node(1, "init", "--data", tmp.resolve("n1").toString(), "--advertise",
                NetnsHosts.address(1));
        api = first.api();
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, first.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(api, UP);
        String token = String.valueOf(new ClusterClient(api).joinToken("worker", false).get("token"));
        for (int host = 2; host <= 3; host++) {
            node(host, "join", "--token", token, "--data", tmp.resolve("n" + host).toString(), "--advertise",
                    NetnsHosts.address(host), api);
        }
        await("three ready nodes").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(250)).until(() ->
                new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count() == 3);
    }

    @AfterAll
    static void tearDown() throws Exception {
        // Process tasks' namespaces (fl-<task id>) go with their tasks: remove the stacks while the agents run.
        List<String> processTasks = new ArrayList<>();
        try {
            new ApiClient(api).serviceTasks("shop_proc").forEach(task -> processTasks.add(task.id()));
            Cli.run(api, "stack", "rm", "shop");
            Cli.run(api, "stack", "rm", "blog");
            await().atMost(Duration.ofSeconds(30)).until(() -> processTasks.stream()
                    .noneMatch(id -> Files.exists(Path.of("/var/run/netns/fl-" + id.substring(0, 12)))));
        } catch (RuntimeException | AssertionError e) {
            // a cluster that did not come up, or agents gone: removed below
        }
        for (ClusterNodeProcess node : NODES) {
            node.close();
        }
        // Process tasks outlive their agents by design: end the ones this cluster started.
        ProcessHandle.allProcesses().filter(p -> p.info().commandLine().orElse("").contains(tmp.resolve("www").toString()))
                .forEach(ProcessHandle::destroyForcibly);
        for (String id : processTasks) {
            NetnsHosts.run(10, "ip", "netns", "del", "fl-" + id.substring(0, 12));
        }
        NetnsHosts.down();
    }

    @Test
    void servicesFindEachOtherByNameAcrossHostsOnlyOnTheirOwnNetworks() throws Exception {
        Files.createDirectories(tmp.resolve("www"));
        Files.writeString(tmp.resolve("www/index.html"), "process page\n");
        Path shop = Files.writeString(tmp.resolve("shop.yaml"), SHOP.formatted(NetnsHosts.IMAGE, tmp.resolve("www")));
        ShopEndToEndIT.CliResult deploy = Cli.run(api, "stack", "deploy", "-c", shop.toString(), "shop");
        assertThat(deploy.exitCode()).as(deploy.toString()).isZero();
        Path blog = Files.writeString(tmp.resolve("blog.yaml"), BLOG.formatted(NetnsHosts.IMAGE));
        ShopEndToEndIT.CliResult blogDeploy = Cli.run(api, "stack", "deploy", "-c", blog.toString(), "blog");
        assertThat(blogDeploy.exitCode()).as(blogDeploy.toString()).isZero();

        // From the client on every host: the VIP of web (tasks on all three hosts), each task directly,
        // the process service, and api; not db (back only).
        for (int host = 1; host <= 3; host++) {
            String client = awaitContainer(host, "shop_client");
            assertThat(fetch(host, client, "web:8080")).as("web's VIP from host %d", host).contains("flotilla test page");
            List<String> webTasks = addresses(host, client, "tasks.web");
            assertThat(webTasks).as("tasks.web from host %d", host).hasSize(3);
            for (String address : webTasks) {
                assertThat(fetch(host, client, address + ":8080")).as("web task %s from host %d", address, host)
                        .contains("flotilla test page");
            }
            assertThat(fetch(host, client, "proc:8090")).as("a process task's VIP").contains("process page");
            assertThat(fetch(host, client, "api.shop.flotilla:8081")).contains("flotilla test page");
            assertThat(lookup(host, client, "db")).as("db is on back only").contains("NXDOMAIN");
        }
        List<String> dbAddresses = addressesOf("shop_db");
        String client1 = awaitContainer(1, "shop_client");
        for (String address : dbAddresses) {
            assertThat(fetch(1, client1, address + ":8082")).as("db's address from front").isEqualTo("FAILED");
        }
        // api (front and back) reaches db by name, whatever host each is on; and cache, which declares no
        // port at all, through its VIP (one address, none of its tasks') on the port it listens on.
        List<String> cacheTasks = addressesOf("shop_cache");
        for (int host = 1; host <= 3; host++) {
            String apiContainer = awaitContainer(host, "shop_api");
            assertThat(fetch(host, apiContainer, "db:8082")).contains("flotilla test page");
            List<String> cacheVip = addresses(host, apiContainer, "cache");
            assertThat(cacheVip).as("cache answers its VIP from host %d", host).hasSize(1).doesNotContainAnyElementsOf(cacheTasks);
            assertThat(fetch(host, apiContainer, "cache:8083")).as("a port-less service's VIP from host %d", host)
                    .contains("flotilla test page");
        }
        assertThat(lookup(1, client1, "cache")).as("cache is on back only").contains("NXDOMAIN");

        // Another stack: its own default network; the shop's names and addresses are not its.
        int readerHost = hostOf("blog_reader");
        String reader = awaitContainer(readerHost, "blog_reader");
        assertThat(lookup(readerHost, reader, "web.shop.flotilla")).contains("NXDOMAIN");
        for (String address : addressesOf("shop_web")) {
            assertThat(fetch(readerHost, reader, address + ":8080")).as("shop's web from blog").isEqualTo("FAILED");
        }

        // The underlay carries VXLAN: capture one packet on UDP 4789 while a request crosses hosts.
        CompletableFuture<NetnsHosts.Result> capture = CompletableFuture.supplyAsync(() ->
                NetnsHosts.run(20, "nsenter", "--net=/var/run/netns/flsw",
                        "timeout", "15", "tcpdump", "-ni", "fl-underlay", "-c", "1", "udp", "port", "4789"));
        Thread.sleep(1000);
        for (String address : addressesOf("shop_web")) {
            fetch(1, client1, address + ":8080");
        }
        assertThat(capture.get().output()).contains("VXLAN").contains(".4789");

        // A worker host dies (its node and its containers): db runs elsewhere, with a new address its name follows.
        int dbHost = hostOf("shop_db");
        assertThat(dbHost).as("db runs on a worker").isNotEqualTo(1);
        List<String> before = addressesOf("shop_db");
        NODES.get(dbHost - 1).kill();
        NetnsHosts.Result running = NetnsHosts.docker(dbHost, 30, "ps", "-q");
        for (String id : running.output().strip().split("\\s+")) {
            if (!id.isBlank()) {
                NetnsHosts.docker(dbHost, 30, "kill", id);
            }
        }
        int other = 1; // the manager's host: db runs on a worker
        String api2 = awaitContainer(other, "shop_api");
        await("db answers again from another host").atMost(Duration.ofSeconds(45)).pollInterval(Duration.ofMillis(500))
                .until(() -> fetch(other, api2, "db:8082").contains("flotilla test page"));
        List<String> after = addresses(other, api2, "tasks.db");
        assertThat(after).hasSize(1).doesNotContainAnyElementsOf(before);
        assertThat(hostOf("shop_db")).isNotEqualTo(dbHost);

        // The manager restarts on its data: every live task keeps its address, and no two share one.
        Map<String, String> held = taskAddresses();
        assertThat(new java.util.HashSet<>(held.values())).as("no address held twice").hasSize(held.size());
        NODES.getFirst().kill();
        NODES.set(0, new ClusterNodeProcess(NetnsHosts.address(1), tmp.resolve("n1"), "init", "--data",
                tmp.resolve("n1").toString()).inHost(1).start());
        ClusterNodeProcess.awaitApi(api, UP);
        await("the tasks' addresses after the manager's restart").atMost(UP).ignoreExceptions()
                .until(() -> taskAddresses().entrySet().containsAll(held.entrySet()));
        Map<String, String> again = taskAddresses();
        assertThat(new java.util.HashSet<>(again.values())).as("no address held twice after the restart").hasSize(again.size());
        // The restarted node's mesh serves the VIPs again once it has its session (the kernel's rules stayed).
        String api1 = awaitContainer(other, "shop_api");
        await("db's VIP from the restarted manager's host").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> fetch(other, api1, "db:8082").contains("flotilla test page"));
    }

    private static ClusterNodeProcess node(int host, String... args) throws Exception {
        ClusterNodeProcess node = new ClusterNodeProcess(NetnsHosts.address(host), tmp.resolve("n" + host), args)
                .inHost(host).start();
        NODES.add(node);
        return node;
    }

    /** What {@code wget} got from {@code target} inside the container, or {@code FAILED}. */
    private static String fetch(int host, String container, String target) {
        NetnsHosts.Result result = NetnsHosts.exec(host, container, 20,
                "timeout 3 wget -q -O- http://" + target + "/ 2>/dev/null || echo FAILED");
        return result.output().strip();
    }

    private static String lookup(int host, String container, String name) {
        return NetnsHosts.exec(host, container, 20, "nslookup " + name + " 2>&1").output();
    }

    /** The addresses {@code name} resolves to inside the container (its resolver, Flotilla's DNS behind Docker's). */
    private static List<String> addresses(int host, String container, String name) {
        List<String> addresses = new ArrayList<>();
        boolean answers = false;
        for (String line : lookup(host, container, name).lines().toList()) {
            if (line.startsWith("Name:")) {
                answers = true;
            } else if (answers && line.startsWith("Address")) {
                addresses.add(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return addresses;
    }

    private static String awaitContainer(int host, String prefix) {
        String[] id = new String[1];
        await(prefix + " on host " + host).atMost(UP).pollInterval(Duration.ofMillis(300))
                .until(() -> (id[0] = NetnsHosts.container(host, prefix)) != null);
        return id[0];
    }

    /** The addresses the managers gave the service's running tasks, on every network ({@code network inspect}). */
    private static List<String> addressesOf(String service) {
        ApiClient client = new ApiClient(api);
        List<String> running = ShopEndToEndIT.runningTasks(client, service).stream().map(Task::id).toList();
        List<String> addresses = new ArrayList<>();
        for (var network : client.networks()) {
            client.network(network.name()).tasks().stream().filter(task -> running.contains(task.taskId()))
                    .forEach(task -> addresses.add(task.address()));
        }
        return addresses;
    }

    /** Every task's address on every network, as {@code network:task → address}. */
    private static Map<String, String> taskAddresses() {
        ApiClient client = new ApiClient(api);
        Map<String, String> addresses = new java.util.TreeMap<>();
        for (var network : client.networks()) {
            client.network(network.name()).tasks().forEach(task ->
                    addresses.put(network.name() + ":" + task.taskId(), task.address()));
        }
        return addresses;
    }

    /** The test-bed host (1..3) whose node runs the service's running task. */
    private static int hostOf(String service) {
        ApiClient client = new ApiClient(api);
        List<Task> running = ShopEndToEndIT.runningTasks(client, service);
        String nodeId = running.getFirst().nodeId();
        String address = client.nodes().stream().filter(n -> n.id().equals(nodeId)).findFirst().orElseThrow()
                .status().address();
        return Integer.parseInt(address.substring(address.lastIndexOf('.') + 1));
    }
}
