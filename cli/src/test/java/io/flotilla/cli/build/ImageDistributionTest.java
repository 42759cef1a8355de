package io.flotilla.cli.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.agent.HttpManagerChannel;
import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.agent.driver.docker.DockerDriver;
import io.flotilla.client.ApiClient;
import io.flotilla.compose.ComposeLoader;
import io.flotilla.compose.LoadedStack;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.manager.ManagerTuning;
import io.flotilla.model.ImageArchive;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A built image reaches a node whose daemon never saw it: built on the CLI's daemon, sent to a real
 * one-node manager over its mutual-TLS API (as {@code stack deploy} does), and loaded from there by
 * the Docker driver of another daemon (a second dockerd of the test's own) through a worker's
 * manager channel; the task's container then runs it.
 */
class ImageDistributionTest {
    @TempDir static Path dir;
    private static DockerDaemon local;
    private static SecondDockerd other;
    private static Manager manager;
    private static ApiClient admin;
    private static SSLContext worker;

    @BeforeAll
    static void start() throws Exception {
        local = BuildDocker.require();
        other = SecondDockerd.start();
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        TlsDirectory tls = TlsDirectory.of(dir.resolve("m1"));
        tls.writeAuthority(ca);
        tls.ensureNodeCredential(new CertificateSubject("m1", CertificateSubject.MANAGER, List.of("127.0.0.1"), null),
                Duration.ofDays(90), Instant.now());
        ManagerConfig config = new ManagerConfig("m1", dir.resolve("m1"), new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", freePort()), null).withTls(NodeTls.node(tls));
        manager = new Manager(config, InstantSource.system(), TaskLogSource.NONE, ManagerTuning.defaults());
        manager.start();
        String api = "127.0.0.1:" + manager.apiAddress().getPort();
        admin = new ApiClient(api, credential(ca, "admin", CertificateSubject.ADMIN));
        worker = credential(ca, "w1", CertificateSubject.WORKER);
    }

    @AfterAll
    static void stop() throws Exception {
        if (manager != null) {
            manager.close();
        }
        if (other != null) {
            other.close();
        }
        if (local != null) {
            BuildDocker.removeTestImages(local);
            local.close();
        }
    }

    private static SSLContext credential(CertificateAuthority ca, String name, String role) throws Exception {
        TlsDirectory credential = TlsDirectory.of(dir.resolve(name));
        credential.writeCaCertificate(ca.certificate());
        KeyPair keys = CertificateRequests.newKeyPair();
        credential.writeNodeCredential(ca.issue(keys.getPublic(), new CertificateSubject(name, role, List.of("127.0.0.1"),
                null), Duration.ofDays(1), Instant.now()), keys.getPrivate());
        return NodeTls.node(credential).context();
    }

    private static int freePort() throws Exception {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Task task(String image) {
        TaskTemplate template = new TaskTemplate(TaskTemplate.DOCKER, image, List.of(), List.of(), Map.of(), null, null,
                null, Map.of(), null, List.of(), null, null, null, null, Duration.ofSeconds(2), false, false, List.of(),
                List.of(), List.of(), Map.of(), "build", List.of());
        return new Task("t1", "svc-1", "shop_web", 1, 1, "w1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"), template, Instant.now(), null, 0,
                TaskAllocation.NONE);
    }

    @Test
    void aBuiltImageIsStoredByTheClusterAndLoadedByAnotherDaemonThatRunsIt() throws Exception {
        Path project = Files.createDirectories(dir.resolve("shop"));
        Files.createDirectories(project.resolve("web"));
        Files.writeString(project.resolve("web/Dockerfile"), """
                FROM %s AS base
                ARG GREETING
                RUN echo "$GREETING from the cluster" > /greeting
                FROM base AS runtime
                CMD ["cat", "/greeting"]
                """.formatted(BuildDocker.BASE));
        Files.writeString(project.resolve("compose.yaml"), """
                services:
                  web:
                    image: %sweb
                    build: {context: web, target: runtime, args: {GREETING: hello}}
                """.formatted(BuildDocker.REPOSITORY));
        LoadedStack loaded = new ComposeLoader(Map.of()).load(project.resolve("compose.yaml"), "shop");
        ByteArrayOutputStream out = new ByteArrayOutputStream();

        StackBuild.Result result = StackBuild.buildAndSend(loaded, List.of(), admin, new PrintStream(out, true));

        String reference = result.stack().services().getFirst().task().image();
        assertThat(reference).startsWith("flbld-test/web:build-");
        assertThat(out.toString()).contains("web | Step 1/", "stored " + reference + " in the cluster");
        ImageArchive stored = admin.images().stream().filter(i -> i.reference().equals(reference)).findFirst().orElseThrow();
        assertThat(stored.holders()).containsExactly("m1");
        assertThat(dir.resolve("m1/images/" + stored.digest() + ".tar")).isRegularFile();

        out.reset();
        StackBuild.buildAndSend(loaded, List.of(), admin, new PrintStream(out, true));
        assertThat(out.toString()).as("nothing built, nothing sent").contains("up to date: " + reference)
                .doesNotContain("Step 1/", "sending");


        HttpManagerChannel channel = new HttpManagerChannel(List.of("127.0.0.1:" + manager.apiAddress().getPort()),
                worker, null);
        DockerDriver driver = new DockerDriver(other.daemon, "w1", "127.0.0.1", dir.resolve("w1-data"),
                InstantSource.system(), TaskLogSource.NONE, "flotilla", channel::image);
        List<String> progress = new ArrayList<>();
        try {
            driver.prepare(task(reference), Assignment.NONE, progress::add);
            assertThat(progress).contains("loaded image " + reference + " from the cluster");
            assertThat(other.daemon.client().inspectImageCmd(reference).exec().getId()).isEqualTo(stored.imageId());
            assertThat(BuildDocker.run(other.host(), reference)).isEqualTo("hello from the cluster\n");

            assertThatThrownBy(() -> driver.prepare(task("flbld-test/nowhere:build-0"), Assignment.NONE, progress::add))
                    .isInstanceOf(DriverException.class).hasMessageContaining("nor stored by the cluster");
        } finally {
            driver.close();
            channel.close();
        }
    }

    @Test
    void anUnchangedStackIsNotRedeployedAndAChangedContextRollsOnlyItsService() throws Exception {
        Path project = Files.createDirectories(dir.resolve("two"));
        for (String service : List.of("api", "worker")) {
            Files.createDirectories(project.resolve(service));
            Files.writeString(project.resolve(service + "/Dockerfile"), "FROM " + BuildDocker.BASE + "\nCOPY app.txt /\n");
            Files.writeString(project.resolve(service + "/app.txt"), service + " v1\n");
        }
        Files.writeString(project.resolve("compose.yaml"), """
                services:
                  api: {build: ./api, image: %1$sapi}
                  worker: {build: ./worker, image: %1$sworker}
                """.formatted(BuildDocker.REPOSITORY));
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true);
        admin.deploy(StackBuild.buildAndSend(load(project), List.of(), admin, quiet).stack());
        Map<String, Long> first = versions();

        admin.deploy(StackBuild.buildAndSend(load(project), List.of(), admin, quiet).stack());
        assertThat(versions()).as("nothing changed: no rolling update").isEqualTo(first);

        Files.writeString(project.resolve("worker/app.txt"), "worker v2\n");
        admin.deploy(StackBuild.buildAndSend(load(project), List.of(), admin, quiet).stack());
        Map<String, Long> after = versions();
        assertThat(after.get("two_api")).isEqualTo(first.get("two_api"));
        assertThat(after.get("two_worker")).isEqualTo(first.get("two_worker") + 1);
    }

    private static LoadedStack load(Path project) throws Exception {
        return new ComposeLoader(Map.of()).load(project.resolve("compose.yaml"), "two");
    }

    private static Map<String, Long> versions() {
        Map<String, Long> versions = new java.util.TreeMap<>();
        admin.services("two").forEach(s -> versions.put(s.service().spec().name(), s.service().version()));
        return versions;
    }
}
