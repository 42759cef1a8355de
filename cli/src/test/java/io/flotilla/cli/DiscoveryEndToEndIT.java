package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.discovery.client.Endpoint;
import io.flotilla.discovery.client.ServiceWatcher;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Discovery on a real {@code flotilla dev} (with its DNS server on a free port): examples/shop's
 * web replicas in DNS and in a watch; a killed task leaves both within a second; a TTL
 * registration that stops renewing expires.
 */
class DiscoveryEndToEndIT {
    private static final Path ROOT = DevNodeProcess.ROOT;

    @TempDir Path tmp;
    private Process node;
    private String host;
    private int dnsPort;

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            run("stack", "rm", "shop");
            Thread.sleep(2_000); // let the agent stop the tasks before the node goes
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
            node.destroyForcibly();
        }
    }

    private void startNode() throws Exception {
        int api = DevNodeProcess.freePort();
        dnsPort = DevNodeProcess.freePort();
        host = "127.0.0.1:" + api;
        Path log = tmp.resolve("dev.log");
        node = new ProcessBuilder(ROOT.resolve("flotilla").toString(), "dev", "--data", tmp.resolve("data").toString(),
                "--api", host, "--raft", "127.0.0.1:" + DevNodeProcess.freePort(), "--dns", "127.0.0.1:" + dnsPort)
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, tmp.resolve("data").resolve("tls").toString());
        ApiClient client = new ApiClient(host);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> client.info() != null);
        // The API answers a moment before `dev` prints where DNS listens.
        await().atMost(Duration.ofSeconds(10)).until(() -> Files.readString(log).contains("DNS:  127.0.0.1:" + dnsPort));
    }

    private String run(String... args) throws IOException, InterruptedException {
        return Cli.launch(host, tmp.resolve("data").resolve("tls"), args);
    }

    private List<String> dig(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("dig", "@127.0.0.1", "-p", Integer.toString(dnsPort), "+short",
                "+time=2", "+tries=1"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(10, TimeUnit.SECONDS);
        return out.lines().filter(line -> !line.isBlank()).toList();
    }

    @Test
    void killedTasksLeaveDnsAndWatchersWithinASecondAndTtlRegistrationsExpire() throws Exception {
        startNode();
        assertThat(run("stack", "deploy", "-c", ROOT.resolve("examples/shop/compose.yaml").toString(), "shop"))
                .contains("converged");
        ApiClient api = new ApiClient(host);
        await().atMost(Duration.ofSeconds(30)).until(() -> dig("_http._tcp.web.shop.flotilla", "SRV").size() == 3);
        // web has ports and endpoint_mode vip (the default): its name answers its virtual address,
        // which the node's routing mesh serves; tasks.* answers where the tasks run.
        assertThat(dig("web.shop.flotilla")).containsExactly(io.flotilla.model.VirtualAddresses.of("shop_web"));
        assertThat(dig("tasks.web.shop.flotilla")).containsExactly("127.0.0.1");
        assertThat(dig("nope.shop.flotilla")).isEmpty();
        assertThat(run("service", "ps", "shop_web", "--format", "json")).contains("\"endpoints\"");

        Map<String, Long> leftAt = new ConcurrentHashMap<>();
        try (ServiceWatcher watcher = new ServiceWatcher(List.of(host), "shop_web", List.of(),
                io.flotilla.client.ClientTls.context()).start()) {
            await().atMost(Duration.ofSeconds(10)).until(() -> watcher.endpoints().current().size() == 3);
            Task victim = api.serviceTasks("shop_web").stream().filter(t -> t.state() == TaskState.RUNNING).findFirst()
                    .orElseThrow();
            int victimPort = victim.status().hostPorts().get("http");
            watcher.endpoints().onChange(list -> {
                if (list.stream().noneMatch(e -> e.id().equals(victim.id()))) {
                    leftAt.putIfAbsent("watch", System.nanoTime());
                }
            });
            long killed = System.nanoTime();
            ProcessHandle.of(victim.status().pid()).orElseThrow().destroyForcibly();
            await().atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(20))
                    .until(() -> dig("_http._tcp.web.shop.flotilla", "SRV").stream().noneMatch(l -> l.contains(" " + victimPort + " ")));
            long dnsGone = System.nanoTime() - killed;
            await().atMost(Duration.ofSeconds(1)).until(() -> leftAt.containsKey("watch"));
            assertThat(Duration.ofNanos(leftAt.get("watch") - killed)).isLessThan(Duration.ofSeconds(1));
            assertThat(Duration.ofNanos(dnsGone)).isLessThan(Duration.ofSeconds(1));
            // The replacement comes back in both.
            await().atMost(Duration.ofSeconds(30)).until(() -> watcher.endpoints().current().size() == 3);
            assertThat(watcher.endpoints().current()).extracting(Endpoint::id).doesNotContain(victim.id());
        }

        // Each CLI run starts a JVM (and a TLS handshake): seconds on a busy machine. So the TTL leaves
        // room for `registry ls`, and the expiry is timed from the return of `registry register`
        // (the registration exists by then: it is gone at most ~100 ms and a commit after its TTL).
        // Not in stack shop: its namespace is the deployment's (security issue 17).
        String id = run("registry", "register", "--name", "legacy", "--stack", "ext", "--address", "10.9.9.9",
                "--port", "http=80", "--ttl", "20s").strip(); // 10 s were spent by two CLI JVMs at load 15
        long registered = System.nanoTime();
        assertThat(dig("legacy.ext.flotilla")).containsExactly("10.9.9.9");
        assertThat(run("registry", "ls")).contains(id);
        await().atMost(Duration.ofSeconds(30)).until(() -> dig("legacy.ext.flotilla").isEmpty());
        assertThat(Duration.ofNanos(System.nanoTime() - registered)).isLessThan(Duration.ofMillis(21_500));
        assertThat(run("discover", "shop_backend")).contains("task").contains("127.0.0.1");
    }
}
