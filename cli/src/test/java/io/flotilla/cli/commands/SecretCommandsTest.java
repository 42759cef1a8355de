package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.cli.Main;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.model.Json;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flotilla secret …} and {@code flotilla config …} against a real one-node manager in this
 * JVM (Raft on disk, HTTPS, the admin credential): create from a file and from standard input, ls
 * with its columns, inspect in Docker's shape (a secret without its content, a config with it),
 * update making a new version, and the refusals, which print a clear error and exit 1.
 */
class SecretCommandsTest {
    @TempDir static Path data;
    private static Manager manager;
    private static String host;
    private static Path tlsDir;

    record Result(int code, String out, String err) {}

    @BeforeAll
    static void startManager() throws Exception {
        TlsDirectory tls = TlsDirectory.of(data);
        Instant now = Instant.now();
        tls.writeAuthority(CertificateAuthority.create("flsec", now));
        tls.ensureNodeCredential(new CertificateSubject("m1", CertificateSubject.MANAGER, List.of("127.0.0.1"),
                List.of()), Duration.ofDays(1), now);
        tls.ensureAdminCredential(Duration.ofDays(1), now);
        tlsDir = tls.path();
        int raftPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            raftPort = socket.getLocalPort();
        }
        manager = new Manager(new ManagerConfig("m1", data.resolve("manager"), new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", raftPort), null).withTls(NodeTls.node(tls)), InstantSource.system(),
                TaskLogSource.NONE);
        manager.start();
        host = "127.0.0.1:" + manager.apiAddress().getPort();
    }

    @AfterAll
    static void stopManager() {
        manager.close();
    }

    private static synchronized Result run(String stdin, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        if (!(args[0].equals("stack") && args[1].equals("config"))) { // stack config asks no manager
            argv.addAll(List.of("--host", host, "--tls-dir", tlsDir.toString()));
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        InputStream in = System.in;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            System.setIn(new ByteArrayInputStream(stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8)));
            int code = Main.run(argv.toArray(String[]::new));
            return new Result(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
            System.setIn(in);
        }
    }

    @Test
    void secretsAreCreatedListedUpdatedAndNeverPrinted() throws Exception {
        String marker = "flsec-cli-" + UUID.randomUUID();
        Path file = data.resolve("db-password.txt");
        Files.writeString(file, marker);
        Result created = run(null, "secret", "create", "--label", "team=a", "db-password", file.toString());
        assertThat(created.code()).as(created.err()).isZero();
        String id = created.out().strip();

        Result again = run(null, "secret", "create", "db-password", file.toString());
        assertThat(again.code()).isEqualTo(1);
        assertThat(again.err()).contains("secret db-password already exists").contains("secret update db-password");

        Result fromStdin = run(marker + "-2", "secret", "update", "db-password", "-");
        assertThat(fromStdin.code()).as(fromStdin.err()).isZero();
        assertThat(fromStdin.out()).contains("db-password version 2");

        Result ls = run(null, "secret", "ls");
        assertThat(ls.out().lines().findFirst().orElseThrow())
                .containsSubsequence("ID", "NAME", "VERSION", "CREATED", "UPDATED", "TASKS");
        assertThat(ls.out()).contains(id.substring(0, Math.min(12, id.length()))).contains("db-password");
        JsonNode json = Json.read(run(null, "secret", "ls", "--format", "json").out(), JsonNode.class);
        JsonNode dbPassword = null;
        for (JsonNode secret : json) {
            dbPassword = secret.get("name").asText().equals("db-password") ? secret : dbPassword;
        }
        assertThat(dbPassword.get("version").asLong()).isEqualTo(2);

        Result inspect = run(null, "secret", "inspect", "db-password");
        JsonNode inspected = Json.read(inspect.out(), JsonNode.class).get(0);
        assertThat(inspected.get("Spec").get("Name").asText()).isEqualTo("db-password");
        assertThat(inspected.get("Version").get("Index").asLong()).isEqualTo(2);
        assertThat(inspected.get("Spec").has("Data")).isFalse();
        for (Result result : List.of(created, fromStdin, ls, inspect, run(null, "secret", "inspect", "--pretty", "db-password"))) {
            assertThat(result.out() + result.err()).doesNotContain(marker)
                    .doesNotContain(Base64.getEncoder().encodeToString(marker.getBytes(StandardCharsets.UTF_8)));
        }

        Result missing = run(null, "secret", "create", "x", data.resolve("nope").toString());
        assertThat(missing.code()).isEqualTo(1);
        assertThat(missing.err()).contains("no such readable file");
        Result rm = run(null, "secret", "rm", "db-password", "nope");
        assertThat(rm.code()).isEqualTo(1);
        assertThat(rm.out()).contains("db-password");
        assertThat(rm.err()).contains("no such secret: nope");
        assertThat(run(null, "secret", "ls").out()).doesNotContain("db-password");
    }

    @Test
    void aStackDeploySendsItsOwnSecretsReadFromTheFileAndStackRmRemovesThem() throws Exception {
        String marker = "flsec-stack-" + UUID.randomUUID();
        Path project = Files.createDirectories(data.resolve("project"));
        Files.writeString(project.resolve("db-password.txt"), marker);
        Files.writeString(project.resolve("compose.yaml"), """
                services:
                  db:
                    command: ["sleep", "1000"]
                    secrets: [db-password, api-token]
                    configs:
                      - source: settings
                        target: /etc/app.conf
                secrets:
                  db-password:
                    file: ./db-password.txt
                  api-token:
                    external: true
                configs:
                  settings:
                    content: "debug=1"
                """);
        String compose = project.resolve("compose.yaml").toString();
        Result refused = run(null, "stack", "deploy", "-d", "-c", compose, "app");
        assertThat(refused.code()).isEqualTo(1);
        assertThat(refused.err()).contains("external secret api-token does not exist");
        assertThat(run(null, "secret", "ls").out()).as("a refused deploy changes nothing").doesNotContain("app_");

        Files.writeString(data.resolve("token"), "t");
        assertThat(run(null, "secret", "create", "api-token", data.resolve("token").toString()).code()).isZero();
        Result deployed = run(null, "stack", "deploy", "-d", "-c", compose, "app");
        assertThat(deployed.code()).as(deployed.err()).isZero();
        JsonNode secrets = Json.read(run(null, "secret", "ls", "--format", "json").out(), JsonNode.class);
        assertThat(secrets.findValuesAsText("name")).contains("api-token", "app_db-password");
        JsonNode config = Json.read(run(null, "config", "inspect", "app_settings").out(), JsonNode.class).get(0);
        assertThat(new String(Base64.getDecoder().decode(config.get("Spec").get("Data").asText()), StandardCharsets.UTF_8))
                .isEqualTo("debug=1");

        Result printed = run(null, "stack", "config", "-c", compose);
        assertThat(printed.out()).contains("file: ./db-password.txt").doesNotContain(marker).doesNotContain("debug=1");

        Result inUse = run(null, "secret", "rm", "api-token");
        assertThat(inUse.code()).isEqualTo(1);
        assertThat(inUse.err()).contains("secret api-token is in use by service app_db");
        assertThat(run(null, "stack", "rm", "-d", "app").code()).isZero();
        assertThat(Json.read(run(null, "secret", "ls", "--format", "json").out(), JsonNode.class)
                .findValuesAsText("name")).contains("api-token").doesNotContain("app_db-password");
        assertThat(run(null, "secret", "rm", "api-token").code()).isZero();
    }

    @Test
    void theTasksColumnSaysWhichVersionTheTasksHold() {
        io.flotilla.model.api.FileInfo file = new io.flotilla.model.api.FileInfo("id", io.flotilla.model.FileKind.SECRET,
                "db", null, java.util.Map.of(), 2, Instant.EPOCH, Instant.EPOCH, 3, List.of("shop_db"), List.of(
                new io.flotilla.model.api.FileInfo.TaskVersion("t1", "shop_db.1", "n1", 2),
                new io.flotilla.model.api.FileInfo.TaskVersion("t2", "shop_db.2", "n2", 1),
                new io.flotilla.model.api.FileInfo.TaskVersion("t3", "shop_db.3", "n1", 2),
                new io.flotilla.model.api.FileInfo.TaskVersion("t4", "shop_db.4", "n3", 0)), null);
        assertThat(FileObjectCommands.taskVersions(file)).isEqualTo("2 at v2, 1 at v1, 1 not reported");
    }

    @Test
    void configInspectShowsTheContent() {
        assertThat(run("server { listen 80; }", "config", "create", "nginx.conf", "-").code()).isZero();
        Result pretty = run(null, "config", "inspect", "--pretty", "nginx.conf");
        assertThat(pretty.out()).contains("Name:            nginx.conf").contains("Data:\nserver { listen 80; }");
        JsonNode json = Json.read(run(null, "config", "inspect", "nginx.conf").out(), JsonNode.class).get(0);
        assertThat(new String(Base64.getDecoder().decode(json.get("Spec").get("Data").asText()), StandardCharsets.UTF_8))
                .isEqualTo("server { listen 80; }");
        assertThat(run(null, "config", "rm", "nginx.conf").code()).isZero();
    }
}
