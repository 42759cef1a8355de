package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClientTls;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.security.CaBundle;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.NodeTls;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flotilla ca rotate} on a real cluster — two managers (Raft between them over TLS the
 * whole time) and a worker, each its own JVM on 127.0.0.51–53 — under HTTP load through every
 * node's mesh: no request fails, no task restarts, every node ends with a certificate of the new
 * root and trusts only it, the admin credential is re-issued, join tokens name the new root, and
 * a certificate of the old root is refused.
 */
class CaRotationIT {
    private static final List<String> HOSTS = List.of("127.0.0.51", "127.0.0.52", "127.0.0.53");
    private static final Duration UP = Duration.ofSeconds(90);

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes) {
            node.close();
            node.output().lines().filter(l -> l.contains("CA") || l.contains("WARN")).limit(40)
                    .forEach(l -> System.out.println(node.address + " | " + l));
        }
        ProcessHandle.allProcesses().forEach(p -> MeshIT.environ(p.pid()).ifPresent(env -> {
            if (env.contains("FLOTILLA_SERVICE=rot_")) {
                p.destroyForcibly();
            }
        }));
    }

    @Test
    void aRotationUnderMeshTrafficLosesNoRequestAndRetiresTheOldRoot() throws Exception {
        int published = DevNodeProcess.freePort();
        ClusterNodeProcess m1 = node("127.0.0.51", "m1", "init", "--advertise", "127.0.0.51", "--no-dns");
        System.setProperty(ClientTls.TLS_DIR_PROPERTY, m1.data.resolve("tls").toString());
        ClusterNodeProcess.awaitApi(m1.api(), UP);
        ClusterClient cluster = new ClusterClient(m1.api());
        String managerToken = String.valueOf(cluster.joinToken("manager", false).get("token"));
        String workerToken = String.valueOf(cluster.joinToken("worker", false).get("token"));
        node("127.0.0.52", "m2", "join", "--token", managerToken, "--advertise", "127.0.0.52", "--no-dns", m1.api());
        node("127.0.0.53", "w1", "join", "--token", workerToken, "--advertise", "127.0.0.53", "--no-dns", m1.api());
        ApiClient api = new ApiClient(m1.api());
        await("three ready nodes").atMost(UP).pollInterval(Duration.ofMillis(500)).until(() ->
                api.nodes().stream().filter(n -> n.status().state() == NodeState.READY).count() == 3);
        deploy(m1.api(), published);
        await("three healthy replicas").atMost(UP).pollInterval(Duration.ofMillis(500))
                .until(() -> MeshIT.running(api, "rot_web").size() == 3);
        Set<String> tasksBefore = taskIds(api);
        X509Certificate oldRoot = TlsDirectory.of(m1.data).readCaCertificate();
        Path oldWorkerCredential = copyCredential(nodes.get(2).data);

        try (HttpLoad load = new HttpLoad(HOSTS, published)) {
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > 50);
            ShopEndToEndIT.CliResult rotated = Cli.run(m1.api(), "ca", "rotate", "--timeout", "60s");
            assertThat(rotated.exitCode()).as(rotated.toString()).isZero();
            assertThat(rotated.out()).contains("Done: every node holds a certificate of the new root");
            long before = load.ok.get();
            await().atMost(Duration.ofSeconds(10)).until(() -> load.ok.get() > before + 50);
            assertThat(load.failures).as("failed requests during the CA rotation").isEmpty();
            System.out.printf("CaRotationIT: rotation under load: %d requests, 0 failed%n", load.ok.get());
        }

        // Every node trusts the new root only and holds a certificate of it; the managers hold its key.
        X509Certificate newRoot = Pem.certificate(cluster.caStatus().roots().getFirst());
        assertThat(newRoot).isNotEqualTo(oldRoot);
        for (ClusterNodeProcess node : nodes) {
            TlsDirectory dir = TlsDirectory.of(node.data);
            await(node.address + " drops the old root").atMost(Duration.ofSeconds(10))
                    .until(() -> dir.readCaBundle().equals(CaBundle.of(newRoot)));
            assertThat(dir.caChain()).doesNotExist();
            assertThat(CaBundle.of(newRoot).issuerOf(Pem.readCertificate(dir.nodeCertificate()))).isEqualTo(newRoot);
        }
        assertThat(TlsDirectory.of(m1.data).readAuthority().certificate()).isEqualTo(newRoot);
        assertThat(TlsDirectory.of(nodes.get(1).data).readAuthority().certificate()).isEqualTo(newRoot);
        assertThat(CaBundle.of(newRoot).issuerOf(Pem.readCertificate(TlsDirectory.of(m1.data).adminCertificate())))
                .isEqualTo(newRoot);

        // No task restarted; the log still takes writes (Raft between the managers on new certificates).
        assertThat(taskIds(api)).isEqualTo(tasksBefore);
        assertThat(Cli.run(m1.api(), "service", "scale", "rot_web=4").exitCode()).isZero();
        await("a fourth replica").atMost(UP).pollInterval(Duration.ofMillis(500))
                .until(() -> MeshIT.running(api, "rot_web").size() == 4);

        // Join tokens name the new root; a certificate of the old root is refused.
        assertThat(String.valueOf(cluster.joinToken("worker", false).get("token")))
                .contains(CertificateAuthority.digest(newRoot)).doesNotContain(CertificateAuthority.digest(oldRoot));
        NodeTls old = NodeTls.node(TlsDirectory.of(oldWorkerCredential));
        assertThatThrownBy(() -> new ClusterClient(m1.api(), old.context()).caStatus()).isInstanceOf(ApiException.class);
        assertThat(Cli.run(m1.api(), "ca").out()).contains("Rotation: none under way");
    }

    /** A copy of a node's credential as it is now (its certificate of the old root, trusting the old root). */
    private Path copyCredential(Path data) throws IOException {
        Path copy = tmp.resolve("old-credential");
        Files.createDirectories(copy.resolve("tls"));
        for (String file : List.of("ca.crt", "node.crt", "node.key")) {
            Files.copy(data.resolve("tls").resolve(file), copy.resolve("tls").resolve(file));
        }
        return copy;
    }

    private static Set<String> taskIds(ApiClient api) {
        return MeshIT.running(api, "rot_web").stream().map(Task::id).collect(Collectors.toSet());
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
                    ports: [{name: http, target: 8080, published: %2$d, app_protocol: http}]
                    deploy:
                      replicas: 3
                """.formatted(program, published));
        ShopEndToEndIT.CliResult result = Cli.run(api, "stack", "deploy", "-d", "-c", compose.toString(), "rot");
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    private ClusterNodeProcess node(String address, String name, String... args) throws IOException {
        Path data = tmp.resolve(name);
        Files.createDirectories(data);
        List<String> all = new ArrayList<>(List.of(args));
        all.add(1, "--data");
        all.add(2, data.toString());
        ClusterNodeProcess node = new ClusterNodeProcess(address, data, all.toArray(String[]::new)).start();
        nodes.add(node);
        return node;
    }
}
