package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.FileSpec;
import io.flotilla.model.Json;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.FileData;
import io.flotilla.model.api.FileInfo;
import io.flotilla.model.api.TaskFile;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Secrets on a real one-node cluster (Raft on disk, HTTPS with the cluster's CA): a secret whose
 * content is a random marker, and a stack's own secret, are created, deployed, given new versions
 * and sent to a node in its assignment set; then every file under the manager's data directory (Raft
 * log segments, snapshots, the key files) and every line logged meanwhile (flotilla at TRACE) are
 * scanned for the markers, raw and in base64: none is found. The versions survive a restart from the
 * log alone and one from a snapshot. A worker's certificate can neither read nor create secrets.
 */
class SecretsAtRestTest {
    @TempDir
    Path dir;
    private Path data;
    private CertificateAuthority ca;
    private Manager manager;
    private SSLContext admin;
    private SSLContext worker;
    private final List<String> logged = Collections.synchronizedList(new ArrayList<>());
    private final AppenderBase<ILoggingEvent> capture = new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent event) {
            logged.add(event.getFormattedMessage() + (event.getThrowableProxy() == null ? ""
                    : ThrowableProxyUtil.asString(event.getThrowableProxy())));
        }
    };
    private final Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    private final Logger flotilla = (Logger) LoggerFactory.getLogger("io.flotilla");
    private Level flotillaLevel;

    private final String marker = "flsec-marker-" + UUID.randomUUID();
    private final String ownMarker = "flsec-own-" + UUID.randomUUID();
    private final String rotated = "flsec-rotated-" + UUID.randomUUID();

    @BeforeEach
    void start() throws Exception {
        capture.start();
        root.addAppender(capture);
        flotillaLevel = flotilla.getLevel();
        flotilla.setLevel(Level.TRACE);
        data = dir.resolve("m1");
        ca = CertificateAuthority.create("c1", Instant.now());
        TlsDirectory tls = TlsDirectory.of(data);
        tls.writeAuthority(ca);
        tls.ensureNodeCredential(new CertificateSubject("m1", CertificateSubject.MANAGER, List.of("127.0.0.1"), null),
                Duration.ofDays(90), Instant.now());
        manager = startManager();
        admin = credential("admin", CertificateSubject.ADMIN);
        worker = credential("w1", CertificateSubject.WORKER);
    }

    @AfterEach
    void stop() {
        if (manager != null) {
            manager.close();
        }
        root.detachAppender(capture);
        flotilla.setLevel(flotillaLevel);
    }

    private Manager startManager() throws Exception {
        // a node that only polls (no agent reports) is not marked down during the test
        Manager started = new Manager(TestManagers.config(data, Duration.ofMinutes(5)).withTls(NodeTls.node(TlsDirectory.of(data))),
                InstantSource.system(), TaskLogSource.NONE, TestManagers.tuning());
        started.start();
        return started;
    }

    @Test
    void noPlaintextAnywhereAndTheVersionsSurviveRestarts() throws Exception {
        assertThat(TlsDirectory.of(data).hasDataKey()).as("the first manager made the cluster data key").isTrue();

        HttpResponse<String> created = call(admin, "POST", "/v1/secrets", new FileData(null, "api-key",
                Map.of("team", "a"), bytes(marker)));
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.body()).doesNotContain(encodings(marker));
        assertThat(call(admin, "POST", "/v1/secrets", new FileData(null, "api-key", Map.of(), bytes("x"))).statusCode())
                .as("create on an existing name is refused, as Docker's").isEqualTo(409);

        ServiceSpec plain = TestManagers.service("shop", "web", 1);
        ServiceSpec web = plain.withTask(plain.task().withFiles(List.of(
                new FileMount(FileKind.SECRET, "api-key", "api-key", null, null, 0400),
                new FileMount(FileKind.SECRET, "shop_db-password", "db-password", "999", null, 0440))));
        StackSpec stack = new StackSpec("shop", List.of(web), List.of(), List.of(), List.of(
                new FileSpec(FileKind.SECRET, "api-key", Map.of(), true),
                new FileSpec(FileKind.SECRET, "shop_db-password", Map.of(), false)));
        List<FileData> own = List.of(new FileData(FileKind.SECRET, "shop_db-password", Map.of(), bytes(ownMarker)));
        HttpResponse<String> deployed = call(admin, "POST", "/v1/stacks/shop", new DeployRequest(stack, own));
        assertThat(deployed.statusCode()).as(deployed.body()).isEqualTo(200);
        assertThat(call(admin, "POST", "/v1/stacks/shop", new DeployRequest(stack, own)).statusCode()).isEqualTo(200);
        assertThat(secret("shop_db-password").version()).as("an unchanged content is no new version").isEqualTo(1);

        manager.dispatcher().hello(new AgentHello(TestManagers.node("n1")), true);
        await().atMost(Duration.ofSeconds(20)).until(() -> manager.state().tasksOfNode("n1").stream()
                .anyMatch(task -> task.state() == TaskState.ASSIGNED));
        Task task = manager.state().tasksOfNode("n1").getFirst();
        AssignmentSet set = manager.dispatcher().assignments("n1", -1, Duration.ZERO);
        List<TaskFile> files = set.assignments().get(task.id()).files();
        assertThat(files).extracting(file -> new String(file.data(), StandardCharsets.UTF_8))
                .containsExactly(marker, ownMarker);
        assertThat(files).extracting(TaskFile::version).containsExactly(1L, 1L);

        AssignmentSet current = manager.dispatcher().assignments("n1", -1, Duration.ZERO);
        long before = manager.dispatcher().assignments("n1", current.index(), Duration.ofSeconds(1)).index();
        java.util.concurrent.CompletableFuture<AssignmentSet> poll = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                    try {
                        return manager.dispatcher().assignments("n1", before, Duration.ofSeconds(30));
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                });
        await().atMost(Duration.ofSeconds(5)).until(this::waiting);
        Thread.sleep(300);
        assertThat(poll).as("nothing but the new version wakes the node's poll").isNotDone();
        long asked = System.nanoTime();
        HttpResponse<String> updated = call(admin, "POST", "/v1/secrets/api-key/update",
                new FileData(null, null, Map.of(), bytes(rotated)));
        assertThat(updated.statusCode()).as(updated.body()).isEqualTo(200);
        AssignmentSet after = poll.get(30, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(Duration.ofNanos(System.nanoTime() - asked)).as("the waiting poll is answered by the new version"
                + " at once, not after its wait or the status delay").isLessThan(Duration.ofSeconds(4));
        TaskFile now = after.assignments().get(task.id()).files().getFirst();
        assertThat(now.version()).isEqualTo(2);
        assertThat(new String(now.data(), StandardCharsets.UTF_8)).isEqualTo(rotated);

        assertThat(call(admin, "DELETE", "/v1/secrets/api-key", null).statusCode())
                .as("a secret in use cannot be removed").isEqualTo(409);
        HttpResponse<String> inspected = call(admin, "GET", "/v1/secrets/api-key", null);
        assertThat(inspected.body()).doesNotContain(encodings(rotated)).contains("\"version\":2");
        for (String path : List.of("/v1/secrets", "/v1/state", "/v1/services", "/v1/tasks")) {
            String body = call(admin, "GET", path, null).body();
            for (String m : List.of(marker, ownMarker, rotated)) {
                assertThat(body).as(path).doesNotContain(encodings(m));
            }
        }

        // from the log alone
        manager.close();
        manager = startManager();
        assertThat(secret("api-key").version()).isEqualTo(2);
        assertThat(opened("n1", task.id())).containsExactly(rotated, ownMarker);
        // from a snapshot
        manager.takeSnapshot();
        manager.close();
        manager = startManager();
        assertThat(secret("api-key").version()).isEqualTo(2);
        assertThat(secret("shop_db-password").version()).isEqualTo(1);
        assertThat(opened("n1", task.id())).containsExactly(rotated, ownMarker);
        manager.close();
        manager = null;

        List<String> markers = new ArrayList<>();
        for (String m : List.of(marker, ownMarker, rotated)) {
            markers.addAll(encodings(m));
        }
        List<Path> scanned = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(data)) {
            for (Path file : walk.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
                scanned.add(file);
                for (String m : markers) {
                    assertThat(content).as(file + " holds a secret in the clear").doesNotContain(m);
                }
            }
        }
        assertThat(scanned).as("the Raft log and a snapshot were scanned")
                .anyMatch(file -> file.toString().contains("log_"))
                .anyMatch(file -> file.getFileName().toString().startsWith("snapshot"));
        assertThat(logged).as("something was logged").isNotEmpty();
        for (String line : List.copyOf(logged)) {
            for (String m : markers) {
                assertThat(line).as("a log line holds a secret").doesNotContain(m);
            }
        }
    }

    @Test
    void aWorkersCertificateCanNeitherReadNorCreateSecrets() throws Exception {
        assertThat(call(admin, "POST", "/v1/configs", new FileData(null, "nginx.conf", Map.of(), bytes("server {}")))
                .statusCode()).isEqualTo(201);
        assertThat(call(admin, "POST", "/v1/secrets", new FileData(null, "api-key", Map.of(), bytes(marker)))
                .statusCode()).isEqualTo(201);
        for (String[] request : List.of(new String[] {"GET", "/v1/secrets"}, new String[] {"GET", "/v1/secrets/api-key"},
                new String[] {"POST", "/v1/secrets"}, new String[] {"POST", "/v1/secrets/api-key/update"},
                new String[] {"DELETE", "/v1/secrets/api-key"}, new String[] {"GET", "/v1/configs/nginx.conf"},
                new String[] {"POST", "/v1/configs"})) {
            Object body = request[0].equals("POST") ? new FileData(null, "stolen", Map.of(), bytes("x")) : null;
            HttpResponse<String> answer = call(worker, request[0], request[1], body);
            assertThat(answer.statusCode()).as(request[0] + " " + request[1]).isEqualTo(403);
            assertThat(answer.body()).doesNotContain(encodings(marker));
        }
        assertThat(secret("api-key").version()).isEqualTo(1);
        assertThat(manager.state().files().all()).hasSize(2);
        HttpResponse<String> config = call(admin, "GET", "/v1/configs/nginx.conf", null);
        assertThat(Json.read(config.body(), FileInfo.class).data()).asString(StandardCharsets.UTF_8)
                .as("config inspect shows the content").isEqualTo("server {}");
        assertThat(Json.read(call(admin, "GET", "/v1/secrets/api-key", null).body(), FileInfo.class).data())
                .as("secret inspect never does").isNull();
    }

    /** Whether a node's assignment poll waits in the dispatcher now. */
    private boolean waiting() throws Exception {
        java.lang.reflect.Field field = io.flotilla.manager.dispatcher.Dispatcher.class.getDeclaredField("assignmentWatch");
        field.setAccessible(true);
        return ((io.flotilla.manager.dispatcher.AssignmentWatch) field.get(manager.dispatcher())).waiting() > 0;
    }

    private List<String> opened(String nodeId, String taskId) throws Exception {
        AssignmentSet set = manager.dispatcher().assignments(nodeId, -1, Duration.ZERO);
        return set.assignments().get(taskId).files().stream()
                .map(file -> new String(file.data(), StandardCharsets.UTF_8)).toList();
    }

    private FileInfo secret(String name) throws Exception {
        HttpResponse<String> answer = call(admin, "GET", "/v1/secrets/" + name, null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return Json.read(answer.body(), FileInfo.class);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    /**
     * The marker and every form base64 gives it inside a longer content (the JSON of the log, a
     * snapshot and the API writes bytes as base64): at each of the three offsets modulo 3, the part
     * of the encoding that the bytes around it do not touch.
     */
    static List<String> encodings(String marker) {
        List<String> forms = new ArrayList<>(List.of(marker));
        for (int shift = 0; shift < 3; shift++) {
            byte[] shifted = new byte[shift + marker.length()];
            System.arraycopy(bytes(marker), 0, shifted, shift, marker.length());
            String encoded = Base64.getEncoder().withoutPadding().encodeToString(shifted);
            forms.add(encoded.substring(4, encoded.length() - 4));
        }
        return forms;
    }

    private SSLContext credential(String name, String role) throws Exception {
        TlsDirectory credential = TlsDirectory.of(dir.resolve("cred-" + name));
        credential.writeCaCertificate(ca.certificate());
        KeyPair keys = CertificateRequests.newKeyPair();
        credential.writeNodeCredential(ca.issue(keys.getPublic(), new CertificateSubject(name, role,
                List.of("127.0.0.1"), null), Duration.ofDays(1), Instant.now()), keys.getPrivate());
        return NodeTls.node(credential).context();
    }

    private HttpResponse<String> call(SSLContext tls, String method, String path, Object body) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build();
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(Json.write(body));
        return client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + manager.apiAddress().getPort() + path))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json").method(method, publisher)
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
