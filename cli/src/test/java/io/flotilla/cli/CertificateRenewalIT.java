package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClientTls;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates renewed for real: a manager and a worker of a cluster made with
 * {@code init --cert-expiry 15s} each renew theirs several times (every ~10 s), the manager's API
 * serves the renewed one without a restart, and the cluster keeps working past the first
 * certificates' expiry.
 */
class CertificateRenewalIT {
    private static final String MANAGER = "127.0.0.11";
    private static final String WORKER = "127.0.0.12";
    private static final Duration UP = Duration.ofSeconds(60);

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes) {
            node.close();
        }
    }

    @Test
    void nodesRenewTheirCertificatesAndTheClusterKeepsWorking() throws Exception {
        ClusterNodeProcess manager = start(MANAGER, "m1", "init", "--data", tmp.resolve("m1").toString(),
                "--advertise", MANAGER, "--no-dns", "--cert-expiry", "15s");
        System.setProperty(ClientTls.TLS_DIR_PROPERTY, manager.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(manager.api(), UP);
        String token = String.valueOf(new ClusterClient(manager.api()).joinToken("worker", false).get("token"));
        ClusterNodeProcess worker = start(WORKER, "w1", "join", "--token", token, "--data", tmp.resolve("w1").toString(),
                "--advertise", WORKER, "--no-dns", manager.api());
        await("two ready nodes").atMost(UP).until(() -> readyNodes(manager) == 2);

        Path managerCert = TlsDirectory.of(manager.data).nodeCertificate();
        Path workerCert = TlsDirectory.of(worker.data).nodeCertificate();
        X509Certificate first = Pem.readCertificate(workerCert);
        assertThat(Duration.between(first.getNotBefore().toInstant(), first.getNotAfter().toInstant()))
                .isLessThan(Duration.ofSeconds(20)); // the validity chosen at init reached the worker through its join
        Set<BigInteger> managerSerials = new TreeSet<>();
        Set<BigInteger> workerSerials = new TreeSet<>();
        long deadline = System.nanoTime() + Duration.ofSeconds(45).toNanos();
        while (System.nanoTime() < deadline && (managerSerials.size() < 3 || workerSerials.size() < 3)) {
            managerSerials.add(Pem.readCertificate(managerCert).getSerialNumber());
            workerSerials.add(Pem.readCertificate(workerCert).getSerialNumber());
            DevNodeProcess.sleep(500);
        }
        assertThat(managerSerials).as("manager certificates seen").hasSizeGreaterThanOrEqualTo(3);
        assertThat(workerSerials).as("worker certificates seen").hasSizeGreaterThanOrEqualTo(3);
        // Past the first certificate's expiry the worker is still up (its agent reports over TLS) ...
        assertThat(Pem.readCertificate(workerCert).getNotAfter()).isAfter(first.getNotAfter());
        await("the worker stays ready").atMost(Duration.ofSeconds(5)).until(() -> readyNodes(manager) == 2);
        assertThat(new ApiClient(manager.api()).nodes()).allMatch(n -> n.status().state() == NodeState.READY);
        // ... and the manager's API presents the renewed certificate, without a restart.
        X509Certificate served = servedCertificate(manager);
        assertThat(served.getNotAfter()).isAfter(first.getNotAfter());
        assertThat(worker.output()).contains("certificate renewed");
        assertThat(manager.output()).doesNotContain("certificate renewal failed");

        // `node cert-rotate` renews at once, with the node running.
        BigInteger before = Pem.readCertificate(workerCert).getSerialNumber();
        ShopEndToEndIT.CliResult rotated = Cli.run(null, "node", "cert-rotate", "--data", worker.data.toString());
        assertThat(rotated.exitCode()).as(rotated.err()).isZero();
        assertThat(rotated.out()).contains("Renewed the certificate of");
        assertThat(Pem.readCertificate(workerCert).getSerialNumber()).isNotEqualTo(before);
    }

    private static long readyNodes(ClusterNodeProcess manager) {
        return new ApiClient(manager.api()).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count();
    }

    private static X509Certificate servedCertificate(ClusterNodeProcess manager) throws Exception {
        var context = TlsContexts.serverAuthenticated(TlsDirectory.of(manager.data).readCaCertificate());
        try (SSLSocket socket = (SSLSocket) context.getSocketFactory().createSocket(MANAGER, 4780)) {
            socket.startHandshake();
            return (X509Certificate) socket.getSession().getPeerCertificates()[0];
        }
    }

    private ClusterNodeProcess start(String address, String name, String... args) throws Exception {
        Files.createDirectories(tmp.resolve(name));
        ClusterNodeProcess node = new ClusterNodeProcess(address, tmp.resolve(name), args).start();
        nodes.add(node);
        return node;
    }
}
