package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.node.LocalNode;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.X509ExtendedTrustManager;
import io.flotilla.model.NodeState;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.ManagerStatus;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Roles change live, and every node serves the API: a manager and two workers, each its own JVM
 * on its own loopback address (127.0.0.31–33). The workers answer {@code node ls} and take a
 * {@code stack deploy} through their relayed API; both are promoted and become managers in their
 * running processes; demoting the last manager, or one whose loss would cost the quorum, is
 * refused and changes nothing; a demoted manager and one removed with {@code node rm} stop their
 * manager role while their processes (and agents) keep running; a worker with no manager left
 * answers 503.
 *
 * <p>The API is mutual TLS, and a worker relays the bytes of each connection to a manager (the
 * session is the caller's with the manager). Calls through a worker therefore see the manager's
 * certificate, not one naming the worker's address: {@link #relayed} checks it against the
 * cluster CA but not against the address dialed.
 */
class NodeRolesIT {
    private static final String M1 = "127.0.0.31";
    private static final String W1 = "127.0.0.32";
    private static final String W2 = "127.0.0.33";
    private static final Duration UP = Duration.ofSeconds(90);

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        Path logs = Files.createDirectories(Path.of("target", "node-roles-it"));
        for (ClusterNodeProcess node : nodes) {
            node.close();
            Files.writeString(logs.resolve(node.address + ".log"), node.output()); // kept for a failed run
        }
        // Tasks outlive their agents by design: end the ones this cluster started.
        ProcessHandle.allProcesses().filter(p -> environ(p.pid()).contains("FLOTILLA_SERVICE=roles_"))
                .forEach(ProcessHandle::destroyForcibly);
    }

    @Test
    void workersServeTheApiAndRolesChangeInTheRunningProcesses() throws Exception {
        ClusterNodeProcess m1 = node(M1, "init", "--data", dir("m1"), "--advertise", M1, "--no-dns");
        // The CLI in this JVM uses the admin credential init wrote (as FLOTILLA_TLS_DIR would point it).
        Path tls = m1.data.resolve("tls");
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, tls.toString());
        ClusterNodeProcess.awaitApi(m1.api(), UP);
        String api = m1.api();
        HttpClient relayed = relayed(tls);
        String workerToken = String.valueOf(new ClusterClient(api).joinToken("worker", false).get("token"));
        ClusterNodeProcess w1 = node(W1, "join", "--token", workerToken, "--data", dir("w1"), "--advertise", W1,
                "--no-dns", api);
        ClusterNodeProcess w2 = node(W2, "join", "--token", workerToken, "--data", dir("w2"), "--advertise", W2,
                "--no-dns", api);
        await("three ready nodes").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(200)).until(() ->
                new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count() == 3);
        String m1Id = idAt(api, M1);
        String w1Id = idAt(api, W1);
        String w2Id = idAt(api, W2);

        // --- a worker serves the API: reads and writes reach the managers, as the admin
        HttpResponse<String> ls = call(relayed, "GET", w1.api(), "/v1/nodes", null);
        assertThat(ls.statusCode()).as(ls.body()).isEqualTo(200);
        assertThat(ls.body()).contains(m1Id, w1Id, w2Id);
        ShopEndToEndIT.CliResult cliLs = Cli.run(w1.api(), "node", "ls"); // the CLI itself, through the worker
        assertThat(cliLs.exitCode()).as(cliLs.toString()).isZero();
        assertThat(cliLs.toString()).contains(m1Id.substring(0, 8), W2);
        StackSpec stack = new StackSpec("roles", List.of(new ServiceSpec("roles_sleeper", "roles", ServiceMode.REPLICATED, 2,
                TaskTemplate.process(List.of("sleep", "100000")), List.of(), List.of(), Map.of(), null, null)));
        HttpResponse<String> deployed = call(relayed, "POST", w2.api(), "/v1/stacks/roles",
                Json.writeBytes(Map.of("stack", stack)));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(200);
        assertThat(new ApiClient(api).service("roles_sleeper").spec().replicas()).isEqualTo(2);

        // --- the last manager cannot be demoted; nothing changes
        HttpResponse<String> last = call(relayed, "POST", w1.api(), "/v1/nodes/" + m1Id + "/demote", null);
        assertThat(last.statusCode()).isEqualTo(400);
        assertThat(last.body()).contains("last manager");
        assertThat(managers(api)).containsExactly(m1Id);

        // --- promote both workers: their running processes start the manager role and join the group
        long w1Pid = w1.pid();
        long w2Pid = w2.pid();
        assertThat(Cli.run(api, "node", "promote", w1Id, w2Id).exitCode()).isZero();
        await("three managers, all reachable from the leader").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(200)).until(() -> {
            ClusterInfo info = new ClusterClient(api).info();
            return info.managers().size() == 3
                    && info.managers().stream().allMatch(m -> Set.of("Leader", "Reachable").contains(m.status()));
        });
        assertThat(w1.alive() && w2.alive()).as("promoted without a restart").isTrue();
        assertThat(List.of(w1.pid(), w2.pid())).containsExactly(w1Pid, w2Pid);
        await("w1 answers as a manager itself").atMost(UP).ignoreExceptions().until(() ->
                new ClusterClient(w1.api()).info().managers().stream().anyMatch(m -> m.id().equals(w1Id)));

        // --- demote w2 live: out of the group, its process and agent keep running, its API relays again
        ShopEndToEndIT.CliResult demoted = Cli.run(api, "node", "demote", w2Id);
        assertThat(demoted.exitCode()).as(demoted.toString()).isZero();
        // m1 may not lead by now, and a manager that does not lead answers from its own applied
        // state, which may trail the leader's for a moment under load (CI at load 15 saw 3 still)
        await("m1 shows two managers").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(100)).until(() ->
                Set.copyOf(managers(api)).equals(Set.of(m1Id, w1Id)));
        await("w2 stopped its manager role").atMost(UP).ignoreExceptions().until(() -> w2.output().contains("stopping its manager role"));
        await("w2's API relays to the managers").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(200)).until(() ->
                call(relayed, "GET", w2.api(), "/v1/cluster", null).statusCode() == 200);
        await("w2's Raft port closed").atMost(UP).ignoreExceptions().until(() -> !listening(W2, LocalNode.RAFT_PORT));
        assertThat(w2.alive()).isTrue();
        await("w2 still ready (its agent runs)").atMost(UP).ignoreExceptions().until(() -> stateOf(api, w2Id) == NodeState.READY);

        // --- with w1 hung, demoting m1 would leave no reachable majority: refused, nothing changes
        w1.signal("STOP");
        try {
            DevNodeProcess.sleep(1500);
            ShopEndToEndIT.CliResult refused = Cli.run(api, "node", "demote", m1Id);
            assertThat(refused.exitCode()).isNotZero();
            assertThat(refused.err()).containsAnyOf("not a majority", "no quorum");
        } finally {
            w1.signal("CONT");
        }
        await("w1 back in the group").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(200)).until(() ->
                new ClusterClient(api).info().managers().stream().allMatch(m -> Set.of("Leader", "Reachable").contains(m.status())));
        assertThat(managers(api)).containsExactlyInAnyOrder(m1Id, w1Id);

        // --- node rm of an up manager (forced): out of the group and the cluster; its process keeps running
        ShopEndToEndIT.CliResult removed = Cli.run(api, "node", "rm", "--force", w1Id);
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
        await("m1 shows itself alone").atMost(UP).ignoreExceptions().pollInterval(Duration.ofMillis(100)).until(() ->
                managers(api).equals(List.of(m1Id)));
        assertThat(new ApiClient(api).nodes().stream().map(Node::id)).doesNotContain(w1Id);
        // its manager's certificate is refused by the API and by Raft (revoked with the removal)
        NodeTls w1Tls = NodeTls.node(TlsDirectory.of(w1.data));
        assertThat(call(HttpClient.newBuilder().sslContext(w1Tls.context()).build(), "GET", api, "/v1/nodes/" + w1Id, null)
                .statusCode()).isEqualTo(403);
        org.apache.ratis.protocol.RaftPeer m1Peer = org.apache.ratis.protocol.RaftPeer.newBuilder()
                .setId(org.apache.ratis.protocol.RaftPeerId.valueOf(m1Id)).setAddress(M1 + ":" + LocalNode.RAFT_PORT).build();
        org.apache.ratis.conf.RaftProperties raftProperties = new org.apache.ratis.conf.RaftProperties();
        org.apache.ratis.client.RaftClientConfigKeys.Rpc.setRequestTimeout(raftProperties,
                org.apache.ratis.util.TimeDuration.valueOf(3, java.util.concurrent.TimeUnit.SECONDS));
        try (org.apache.ratis.client.RaftClient raft = org.apache.ratis.client.RaftClient.newBuilder()
                .setRaftGroup(org.apache.ratis.protocol.RaftGroup.valueOf(
                        io.flotilla.manager.raft.RaftClusterStore.GROUP_ID, m1Peer))
                .setProperties(raftProperties).setRetryPolicy(org.apache.ratis.retry.RetryPolicies.noRetry())
                .setParameters(io.flotilla.manager.raft.RaftClusterStore.tls(w1Tls.keyManager(), w1Tls.trustManager()))
                .build()) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> raft.getGroupManagementApi(m1Peer.getId())
                    .info(io.flotilla.manager.raft.RaftClusterStore.GROUP_ID)).isInstanceOfAny(IOException.class,
                    org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException.class);
        }
        await("w1 stopped its manager role").atMost(UP).ignoreExceptions().until(() -> !listening(W1, LocalNode.RAFT_PORT));
        assertThat(w1.alive()).isTrue();

        // --- no manager left for w2: its API answers 503 with what to do
        m1.kill();
        w1.kill(); // it relays to m1 too, and the agents of both workers know it
        // A new connection: the client's open one to w2 was relayed to a manager that is gone, and
        // over h2 (which the API offers since it runs on Netty) a dead connection is not retried.
        HttpResponse<String> unavailable = call(relayed(tls), "GET", w2.api(), "/v1/nodes", null);
        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(unavailable.body()).contains("unavailable").contains("no manager reachable");
    }

    /**
     * A client with the admin credential that trusts exactly the cluster CA but does not match the
     * server's certificate to the address dialed: through a worker, the manager answers.
     */
    private static HttpClient relayed(Path tlsDir) throws IOException {
        NodeTls admin = NodeTls.admin(new TlsDirectory(tlsDir));
        // the CA alone: a node's own trust also wants a manager's certificate, and with no manager
        // left a worker answers 503 itself, with its own
        X509ExtendedTrustManager ca = TlsContexts.trusting(admin.caCertificate());
        X509ExtendedTrustManager anyAddress = new X509ExtendedTrustManager() {
            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                    throws CertificateException {
                ca.checkServerTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                    throws CertificateException {
                ca.checkServerTrusted(chain, authType);
            }

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                ca.checkServerTrusted(chain, authType);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, javax.net.ssl.SSLEngine engine)
                    throws CertificateException {
                ca.checkClientTrusted(chain, authType, engine);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType, java.net.Socket socket)
                    throws CertificateException {
                ca.checkClientTrusted(chain, authType, socket);
            }

            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
                ca.checkClientTrusted(chain, authType);
            }

            @Override
            public X509Certificate[] getAcceptedIssuers() {
                return ca.getAcceptedIssuers();
            }
        };
        return HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
                .sslContext(TlsContexts.context(admin.keyManager(), anyAddress)).build();
    }

    private static HttpResponse<String> call(HttpClient client, String method, String hostPort, String path, byte[] body)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("https://" + hostPort + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        request.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private ClusterNodeProcess node(String address, String... args) throws IOException {
        Path data = Path.of(args[java.util.Arrays.asList(args).indexOf("--data") + 1]);
        ClusterNodeProcess node = new ClusterNodeProcess(address, data, args).start();
        nodes.add(node);
        return node;
    }

    private String dir(String name) throws IOException {
        return Files.createDirectories(tmp.resolve(name)).toString();
    }

    private static String idAt(String api, String address) {
        return new ApiClient(api).nodes().stream().filter(n -> address.equals(n.status().address())).findFirst()
                .map(Node::id).orElseThrow();
    }

    private static NodeState stateOf(String api, String id) {
        return new ApiClient(api).nodes().stream().filter(n -> n.id().equals(id)).findFirst()
                .map(n -> n.status().state()).orElse(NodeState.UNKNOWN);
    }

    private static List<String> managers(String api) {
        return new ClusterClient(api).info().managers().stream().map(ManagerStatus::id).collect(Collectors.toList());
    }

    private static boolean listening(String host, int port) {
        try (java.net.Socket socket = new java.net.Socket()) {
            socket.connect(new java.net.InetSocketAddress(host, port), 500);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String environ(long pid) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ")));
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
