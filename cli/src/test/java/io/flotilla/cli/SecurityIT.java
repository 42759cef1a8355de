package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClientTls;
import io.flotilla.client.ClusterClient;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.NodeTls;
import io.flotilla.security.PeerIdentity;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 17's attacks, each as the review's probe made it, against real node processes: a manager
 * ({@code init}) and a worker ({@code join}); the attacker holds what a worker holds (its data
 * directory's certificate and key, the worker join token) or nothing at all.
 */
class SecurityIT {
    private static final String MANAGER = "127.0.0.41";
    private static final String WORKER = "127.0.0.42";
    private static final Duration UP = Duration.ofSeconds(90);

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes) {
            node.close();
        }
    }

    @Test
    void aWorkerGetsNoMoreThanItsCertificateAllowsAndARemovedNodeNothing() throws Exception {
        ClusterNodeProcess manager = start(MANAGER, "m1", "init", "--data", tmp.resolve("m1").toString(),
                "--advertise", MANAGER, "--no-dns");
        System.setProperty(ClientTls.TLS_DIR_PROPERTY, manager.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(manager.api(), UP);
        String token = String.valueOf(new ClusterClient(manager.api()).joinToken("worker", false).get("token"));
        ClusterNodeProcess worker = start(WORKER, "w1", "join", "--token", token, "--data", tmp.resolve("w1").toString(),
                "--advertise", WORKER, "--no-dns", manager.api());
        await("two ready nodes").atMost(UP).until(() -> readyNodes(manager) == 2);
        String workerId = new ApiClient(manager.api()).nodes().stream().filter(n -> WORKER.equals(n.status().address()))
                .map(Node::id).findFirst().orElseThrow();
        SSLContext stolen = NodeTls.node(TlsDirectory.of(worker.data)).context();
        SSLContext anonymous = TlsContexts.serverAuthenticated(TlsDirectory.of(manager.data).readCaCertificate());
        int servicesBefore = new ApiClient(manager.api()).services(null).size();

        // 1. Raft with the worker's certificate: no entry reaches the log.
        NodeTls workerTls = NodeTls.node(TlsDirectory.of(worker.data));
        RaftPeer peer = RaftPeer.newBuilder().setId(RaftPeerId.valueOf(managerId(manager))).setAddress(MANAGER + ":4781").build();
        try (RaftClient raft = raftClient(peer, workerTls)) {
            byte[] entry = Json.MAPPER.writerFor(Command.class).writeValueAsBytes(new Command.CreateService("evil",
                    ServiceSpec.process("evil", 1, List.of("sh", "-c", "touch /tmp/owned")), Instant.now()));
            assertThatThrownBy(() -> raft.io().send(Message.valueOf(ByteString.copyFrom(entry))))
                    .isInstanceOfAny(IOException.class, org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException.class);
        }
        assertThat(new ApiClient(manager.api()).services(null)).hasSize(servicesBefore);

        // 2. The manager role by hello, the CA key by renewal, another node's id by an escaping join.
        HttpResponse<String> hello = call(stolen, "POST", manager.api(), "/v1/dispatcher/hello",
                new AgentHello(new Node(workerId, new NodeSpec(NodeRole.MANAGER, null, null),
                        new NodeStatus(NodeState.READY, "h", WORKER, null, null, Instant.now(), "ready"))));
        assertThat(hello.statusCode()).isEqualTo(200);
        assertThat(new ApiClient(manager.api()).nodes().stream().filter(n -> n.id().equals(workerId)).findFirst()
                .orElseThrow().spec().role()).isEqualTo(NodeRole.WORKER);
        HttpResponse<String> renewal = call(stolen, "POST", manager.api(), "/v1/cluster/certificate",
                Map.of("csr", CertificateRequests.csr(CertificateRequests.newKeyPair(), workerId)));
        Map<?, ?> renewed = Json.read(renewal.body(), Map.class);
        assertThat(renewed.get("caKey")).isNull();
        assertThat(PeerIdentity.of(Pem.certificate(String.valueOf(renewed.get("certificate")))).role()).isEqualTo("worker");
        HttpResponse<String> escaping = call(anonymous, "POST", manager.api(), "/v1/cluster/join", new JoinRequest(token,
                "evil+1", "h", "127.0.0.43", CertificateRequests.csr(CertificateRequests.newKeyPair(), "evil")));
        assertThat(escaping.statusCode()).isEqualTo(400);
        HttpResponse<String> takeover = call(anonymous, "POST", manager.api(), "/v1/cluster/join", new JoinRequest(token,
                workerId, "h", "127.0.0.43", CertificateRequests.csr(CertificateRequests.newKeyPair(), workerId)));
        assertThat(takeover.statusCode()).isEqualTo(409);

        // 3. The registry: no name pointed at another address by a worker, no id of the caller's choosing.
        HttpResponse<String> hijack = call(stolen, "POST", manager.api(), "/v1/registry", Map.of("name", "web",
                "address", "169.254.169.254", "ttl", "PT30S"));
        assertThat(hijack.statusCode()).isEqualTo(403);
        HttpResponse<String> ownId = call(stolen, "POST", manager.api(), "/v1/registry", Map.of("id", "t1", "name", "web",
                "address", WORKER, "ttl", "PT30S"));
        assertThat(ownId.statusCode()).isEqualTo(400);

        // 4. An anonymous body of 600 MB is refused before it is read; the worker stays ready.
        long start = System.nanoTime();
        assertThat(rawPost(anonymous, manager, "Content-Length: 600000000\r\n")).startsWith("HTTP/1.1 413");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        assertThat(readyNodes(manager)).isEqualTo(2);

        // 5. node rm: within a second the worker's certificate is refused by the API and the dispatcher.
        ShopEndToEndIT.CliResult removed = Cli.run(manager.api(), "node", "rm", "--force", workerId);
        assertThat(removed.exitCode()).as(removed.toString()).isZero();
        long removedAt = System.nanoTime();
        await("the removed node's certificate refused").atMost(Duration.ofSeconds(1)).pollInterval(Duration.ofMillis(50))
                .until(() -> call(stolen, "GET", manager.api(), "/v1/nodes/" + workerId, null).statusCode() == 403);
        long refusedMillis = Duration.ofNanos(System.nanoTime() - removedAt).toMillis();
        assertThat(call(stolen, "GET", manager.api(), "/v1/dispatcher/assignments?node=" + workerId + "&wait=0", null)
                .statusCode()).isEqualTo(403);
        assertThat(call(stolen, "POST", manager.api(), "/v1/dispatcher/hello", new AgentHello(new Node(workerId,
                new NodeSpec(NodeRole.MANAGER, null, null), new NodeStatus(NodeState.READY, "h", WORKER, null, null,
                Instant.now(), "ready")))).statusCode()).isEqualTo(403);
        assertThat(call(stolen, "POST", manager.api(), "/v1/cluster/certificate",
                Map.of("csr", CertificateRequests.csr(CertificateRequests.newKeyPair(), workerId))).statusCode()).isEqualTo(403);
        // and its agent's next reports do not bring it back
        Thread.sleep(3000);
        assertThat(new ApiClient(manager.api()).nodes()).extracting(Node::id).doesNotContain(workerId);
        System.out.println("SecurityIT: the removed node's certificate was refused " + refusedMillis + " ms after node rm");
    }

    private static RaftClient raftClient(RaftPeer peer, NodeTls tls) {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        return RaftClient.newBuilder().setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(RaftClusterStore.GROUP_ID, peer)).setProperties(properties)
                .setRetryPolicy(RetryPolicies.noRetry())
                .setParameters(RaftClusterStore.tls(tls.keyManager(), tls.trustManager())).build();
    }

    private static String managerId(ClusterNodeProcess manager) {
        return String.valueOf(new ClusterClient(manager.api()).info().leaderId());
    }

    private static long readyNodes(ClusterNodeProcess manager) {
        return new ApiClient(manager.api()).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count();
    }

    private static HttpResponse<String> call(SSLContext tls, String method, String hostPort, String path, Object body)
            throws IOException, InterruptedException {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(Json.write(body));
        return client.send(HttpRequest.newBuilder(URI.create("https://" + hostPort + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").method(method, publisher).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A join POST over a raw TLS socket that announces {@code headers} and sends no body: the answer's first bytes. */
    private static String rawPost(SSLContext tls, ClusterNodeProcess manager, String headers) throws IOException {
        try (SSLSocket socket = (SSLSocket) tls.getSocketFactory().createSocket(MANAGER, 4780)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(("POST /v1/cluster/join HTTP/1.1\r\nHost: " + manager.api() + "\r\nContent-Type: application/json\r\n"
                    + headers + "\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] buffer = new byte[1024];
            int n = in.read(buffer);
            return n < 0 ? "" : new String(buffer, 0, n, StandardCharsets.UTF_8);
        }
    }

    private ClusterNodeProcess start(String address, String name, String... args) throws Exception {
        Files.createDirectories(tmp.resolve(name));
        ClusterNodeProcess node = new ClusterNodeProcess(address, tmp.resolve(name), args).start();
        nodes.add(node);
        return node;
    }
}
