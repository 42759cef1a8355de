package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.Command;
import io.flotilla.model.ServiceSpec;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.util.TimeDuration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Ratis over gRPC with mutual TLS: the cluster's certificates get in; plaintext and another CA do not. */
class RaftTlsTest {
    @TempDir Path tmp;
    private RaftClusterStore store;

    @AfterEach
    void close() {
        if (store != null) {
            store.close();
        }
    }

    private static NodeTls credential(Path dir, CertificateAuthority ca, String name) throws IOException {
        return credential(dir, ca, name, CertificateSubject.MANAGER);
    }

    private static NodeTls credential(Path dir, CertificateAuthority ca, String name, String role) throws IOException {
        TlsDirectory tls = TlsDirectory.of(dir);
        tls.writeAuthority(ca);
        tls.ensureNodeCredential(new CertificateSubject(name, role, List.of("127.0.0.1"), null),
                Duration.ofDays(1), Instant.now());
        return NodeTls.node(tls);
    }

    /** A one-manager store on a free port whose Raft trusts only the managers, as {@code Manager} wires it. */
    private RaftPeer startGuarded(NodeTls tls) throws IOException {
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        RaftPeerCheck peers = new RaftPeerCheck();
        store = new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", port), tmp.resolve("raft"), 1000, true,
                List.of(), RaftClusterStore.tls(tls.keyManager(), tls.trustManager().withClientCheck(peers)));
        peers.peers(store::mayConnect);
        store.start(Duration.ofSeconds(30));
        return RaftPeer.newBuilder().setId(RaftPeerId.valueOf("m1")).setAddress("127.0.0.1:" + port).build();
    }

    /** A service running {@code true}: what a deploy through the log looks like (it runs as root on every node). */
    private static Command create(String name) {
        return new Command.CreateService("s-" + name, ServiceSpec.process(name, 1, List.of("true")), Instant.now());
    }

    /**
     * Issue 17, finding 1: a worker's certificate (the same CA) wrote a command into the log
     * through Raft's own client protocol. Only managers of the group get in now.
     */
    @Test
    void aWorkerCertificateCannotWriteToTheLog() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        NodeTls manager = credential(tmp.resolve("m1"), ca, "m1");
        RaftPeer peer = startGuarded(manager);
        assertThat(store.submit(create("own")).get(20, TimeUnit.SECONDS).services()).hasSize(1);

        NodeTls worker = credential(tmp.resolve("w1"), ca, "w1", CertificateSubject.WORKER);
        try (RaftClient attacker = client(peer, RaftClusterStore.tls(worker.keyManager(), worker.trustManager()))) {
            assertThatThrownBy(() -> attacker.io().send(org.apache.ratis.protocol.Message.valueOf(
                    org.apache.ratis.thirdparty.com.google.protobuf.ByteString.copyFrom(
                            io.flotilla.model.Json.MAPPER.writerFor(Command.class).writeValueAsBytes(create("evil"))))))
                    .isInstanceOfAny(IOException.class, org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException.class);
        }
        // An OU=manager certificate of a node that is no manager of this cluster does not get in either.
        NodeTls stranger = credential(tmp.resolve("m9"), ca, "m9");
        try (RaftClient attacker = client(peer, RaftClusterStore.tls(stranger.keyManager(), stranger.trustManager()))) {
            assertThatThrownBy(() -> attacker.getGroupManagementApi(peer.getId()).info(RaftClusterStore.GROUP_ID))
                    .isInstanceOfAny(IOException.class, org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException.class);
        }
        assertThat(store.state().services()).extracting(s -> s.spec().name()).containsExactly("own");
    }

    /** A manager's Raft client talks only to a server with a manager's certificate (a worker cannot pose as one). */
    @Test
    void raftClientsRefuseAServerWithAWorkerCertificate() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        NodeTls worker = credential(tmp.resolve("w1"), ca, "w1", CertificateSubject.WORKER);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        // the "server" is a Raft peer run with a worker's certificate (what an attacker holds)
        store = new RaftClusterStore("w1", new InetSocketAddress("127.0.0.1", port), tmp.resolve("raft"), 1000, true,
                List.of(), RaftClusterStore.tls(worker.keyManager(), worker.trustManager()));
        store.start(Duration.ofSeconds(30));
        NodeTls manager = credential(tmp.resolve("m1"), ca, "m1");
        RaftPeerCheck peers = new RaftPeerCheck();
        peers.peers(id -> true);
        var trust = manager.trustManager().withClientCheck(peers);
        RaftPeer peer = RaftPeer.newBuilder().setId(RaftPeerId.valueOf("w1")).setAddress("127.0.0.1:" + port).build();
        try (RaftClient client = client(peer, RaftClusterStore.tls(manager.keyManager(), trust))) {
            assertThatThrownBy(() -> client.getGroupManagementApi(peer.getId()).info(RaftClusterStore.GROUP_ID))
                    .isInstanceOfAny(IOException.class, org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException.class);
        }
    }

    private static RaftClient client(RaftPeer peer, Parameters tls) {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(2, TimeUnit.SECONDS));
        RaftClient.Builder builder = RaftClient.newBuilder().setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(RaftClusterStore.GROUP_ID, peer)).setProperties(properties)
                .setRetryPolicy(RetryPolicies.noRetry());
        if (tls != null) {
            builder.setParameters(tls);
        }
        return builder.build();
    }

    @Test
    void onlyClientsWithACertificateOfTheClusterCaGetIn() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        NodeTls tls = credential(tmp.resolve("m1"), ca, "m1");
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        store = new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", port), tmp.resolve("raft"), 1000, true,
                List.of(), RaftClusterStore.tls(tls.keyManager(), tls.trustManager()));
        store.start(Duration.ofSeconds(30));
        // Its own clients speak mutual TLS: a write commits.
        assertThat(store.submit(new Command.CreateService("s1", ServiceSpec.process("web", 1, List.of("true")),
                Instant.now())).get(20, TimeUnit.SECONDS).service("s1")).isPresent();

        RaftPeer peer = RaftPeer.newBuilder().setId(RaftPeerId.valueOf("m1")).setAddress("127.0.0.1:" + port).build();
        try (RaftClient good = client(peer, RaftClusterStore.tls(tls.keyManager(), tls.trustManager()))) {
            assertThat(good.getGroupManagementApi(peer.getId()).info(RaftClusterStore.GROUP_ID).isSuccess()).isTrue();
        }
        try (RaftClient plaintext = client(peer, null)) {
            assertThatThrownBy(() -> plaintext.getGroupManagementApi(peer.getId()).info(RaftClusterStore.GROUP_ID))
                    .isInstanceOfAny(IOException.class, org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException.class);
        }
        NodeTls foreign = credential(tmp.resolve("x1"), CertificateAuthority.create("c2", Instant.now()), "m1");
        try (RaftClient stranger = client(peer, RaftClusterStore.tls(foreign.keyManager(), tls.trustManager()))) {
            assertThatThrownBy(() -> stranger.getGroupManagementApi(peer.getId()).info(RaftClusterStore.GROUP_ID))
                    .isInstanceOfAny(IOException.class, org.apache.ratis.thirdparty.io.grpc.StatusRuntimeException.class);
        }
    }
}
