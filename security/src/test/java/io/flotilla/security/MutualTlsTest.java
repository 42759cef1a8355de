package io.flotilla.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real TLS handshakes over loopback sockets: pinning, mutual authentication, reloading. */
class MutualTlsTest {
    @TempDir Path tmp;
    private LoopbackTls server;

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    private TlsDirectory node(String name, CertificateAuthority ca, String role) throws IOException {
        TlsDirectory dir = TlsDirectory.of(tmp.resolve(name));
        dir.writeAuthority(ca);
        dir.ensureNodeCredential(new CertificateSubject(name, role, List.of("127.0.0.1"), null), Duration.ofDays(1),
                Instant.now());
        return dir;
    }

    private int serve(SSLContext context) throws IOException {
        server = new LoopbackTls(context);
        return server.port();
    }

    private static String call(SSLContext context, int port) throws IOException {
        return LoopbackTls.call(context, port);
    }

    @Test
    void mutualTlsIdentifiesTheClientAndRefusesAnotherCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        int port = serve(NodeTls.node(node("m1", ca, "manager")).context());
        assertThat(call(NodeTls.node(node("w1", ca, "worker")).context(), port)).isEqualTo("w1");
        // Server-authenticated only (a task): accepted, but anonymous.
        assertThat(call(TlsContexts.serverAuthenticated(ca.certificate()), port)).isEqualTo("-");
        // A client with a certificate from another CA is refused in the handshake.
        CertificateAuthority other = CertificateAuthority.create("c2", Instant.now());
        SSLContext foreign = NodeTls.node(node("x1", other, "manager")).context();
        assertThatThrownBy(() -> call(foreign, port)).isInstanceOf(SSLException.class);
    }

    @Test
    void pinnedClientAcceptsOnlyTheTokensCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        int port = serve(NodeTls.node(node("m1", ca, "manager")).context());
        PinnedTrustManager right = new PinnedTrustManager(ca.digest());
        assertThat(call(TlsContexts.context(null, right), port)).isEqualTo("-");
        assertThat(right.caCertificate()).isEqualTo(ca.certificate());
        String wrong = CertificateAuthority.create("c2", Instant.now()).digest();
        assertThatThrownBy(() -> call(TlsContexts.context(null, new PinnedTrustManager(wrong)), port))
                .isInstanceOf(SSLHandshakeException.class);
    }

    /**
     * Issue 17 finding 6: a worker's certificate (the same CA) posed as a manager and collected a
     * joining node's token, an agent's reports. Nodes and joiners dial managers only.
     */
    @Test
    void aServerWithAWorkersCertificateIsNoManagerToANodeOrAJoiner() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        int port = serve(NodeTls.node(node("w9", ca, "worker")).context());
        assertThatThrownBy(() -> call(NodeTls.node(node("w1", ca, "worker")).context(), port))
                .isInstanceOf(SSLHandshakeException.class);
        assertThatThrownBy(() -> call(TlsContexts.context(null, new PinnedTrustManager(ca.digest())), port))
                .isInstanceOf(SSLHandshakeException.class);
        stop();
        int manager = serve(NodeTls.node(node("m1", ca, "manager")).context());
        assertThat(call(NodeTls.node(node("w2", ca, "worker")).context(), manager)).isEqualTo("w2");
        assertThat(call(TlsContexts.context(null, new PinnedTrustManager(ca.digest())), manager)).isEqualTo("-");
    }

    @Test
    void hostnameVerificationChecksTheSanIp() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        TlsDirectory dir = TlsDirectory.of(tmp.resolve("m9"));
        dir.writeAuthority(ca);
        dir.ensureNodeCredential(new CertificateSubject("m9", "manager", List.of("127.0.0.9"), null), Duration.ofDays(1),
                Instant.now());
        int port = serve(NodeTls.node(dir).context());
        assertThatThrownBy(() -> call(TlsContexts.serverAuthenticated(ca.certificate()), port))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void aRenewedCertificateIsUsedByTheNextHandshakeWithoutARestart() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        int port = serve(NodeTls.node(node("m1", ca, "manager")).context());
        TlsDirectory worker = node("w1", ca, "worker");
        NodeTls tls = NodeTls.node(worker);
        java.math.BigInteger first = tls.keyManager().certificate().getSerialNumber();
        CertificateRenewer renewer = new CertificateRenewer(worker, csr -> Pem.encode(ca.sign(csr,
                new CertificateSubject("w1-renewed", "worker", List.of("127.0.0.1"), null), Duration.ofDays(1),
                Instant.now())), java.time.InstantSource.system());
        renewer.renewNow();
        assertThat(call(tls.context(), port)).isEqualTo("w1-renewed");
        assertThat(tls.keyManager().certificate().getSerialNumber()).isNotEqualTo(first);
        // A certificate for a different key than the files' is not picked up.
        KeyPair stray = CertificateRequests.newKeyPair();
        Pem.writePublic(worker.nodeCertificate(), Pem.encode(ca.issue(stray.getPublic(),
                new CertificateSubject("stray", "worker", List.of("127.0.0.1"), null), Duration.ofDays(1), Instant.now())));
        assertThat(call(tls.context(), port)).isEqualTo("w1-renewed");
    }

    /** The CLI reached a worker that relays to a manager: any manager of the cluster, at any address; nothing else. */
    @Test
    void theClisTrustAcceptsAnyManagerAtAnyAddressButNoWorkerAndNoOtherCa() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        TlsDirectory manager = TlsDirectory.of(tmp.resolve("m9"));
        manager.writeAuthority(ca);
        manager.ensureNodeCredential(new CertificateSubject("m9", "manager", List.of("127.0.0.9"), null),
                Duration.ofDays(1), Instant.now());
        NodeTls admin = NodeTls.node(node("a1", ca, "admin"));
        SSLContext cli = TlsContexts.context(admin.keyManager(), new AnyManagerTrustManager(admin.trustManager()));
        int port = serve(NodeTls.node(manager).context());
        assertThat(call(cli, port)).isEqualTo("a1"); // reached at 127.0.0.1, certificate for 127.0.0.9
        server.close();

        port = serve(NodeTls.node(node("w1", ca, "worker")).context());
        int workerPort = port;
        assertThatThrownBy(() -> call(cli, workerPort)).isInstanceOf(SSLHandshakeException.class);
        server.close();

        CertificateAuthority other = CertificateAuthority.create("c2", Instant.now());
        int foreignPort = serve(NodeTls.node(node("m2", other, "manager")).context());
        assertThatThrownBy(() -> call(cli, foreignPort)).isInstanceOf(SSLHandshakeException.class);
    }
}
