package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.agent.driver.docker.DockerTestEnvironment;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.DiscoverySpec.OnDependencyChange;
import io.flotilla.model.FileMount;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Secrets and configs of containers through a whole agent and the real dockerd: what the
 * container sees (content, owner, mode, read-only), rotation by signal (a secret through the
 * mounted directory, a config rewritten in place), and the restart policy, which fails a
 * container so that the orchestrator replaces it.
 */
class AgentDockerSecretsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private static final FileMount DB_PASSWORD = Secrets.secret("flsa_db-password", "db-password", null, null, 0444);
    private static final FileMount API_KEY = Secrets.secret("flsa_api-key", "api-key", "65534", "65534", 0400);
    private static final FileMount APP_CONFIG = Secrets.config("flsa_app-config", "/etc/app/app.conf", "1000", "1000", 0440);
    private static DockerDaemon daemon;

    @TempDir
    Path dataDir;

    private final String node = "flsa-" + UUID.randomUUID().toString().substring(0, 8);
    private FakeManagerChannel manager;
    private Agent agent;
    private Secrets.LogCapture logs;

    @AfterAll
    static void closeDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @BeforeEach
    void startAgent() {
        if (daemon == null) {
            daemon = DockerTestEnvironment.require();
        }
        logs = Secrets.captureLogs();
        manager = new FakeManagerChannel(node);
        agent = new Agent(new AgentConfig(node, "host-1", "127.0.0.1", dataDir, new Resources(2_000_000_000L,
                1L << 30, 0), Set.of("docker"), Duration.ofMillis(100)), manager, Clock.systemUTC());
        agent.start();
    }

    @AfterEach
    void stopEverything() {
        agent.close();
        logs.close();
        if (daemon != null) {
            DockerTestEnvironment.removeContainers(daemon, node);
        }
        Secrets.unmountAll(dataDir);
    }

    private Task task(String id, String script, OnDependencyChange policy) {
        TaskTemplate template = new TaskTemplate(TaskTemplate.DOCKER, DockerTestEnvironment.IMAGE,
                List.of("sh", "-c", script), List.of(), Map.of(), null, null, null, Map.of(), null, List.of(), null,
                null, null, null, Duration.ofSeconds(2), false, false, List.of(), List.of(), List.of(), Map.of(), null,
                List.of()).withFiles(List.of(DB_PASSWORD, API_KEY, APP_CONFIG))
                .withDiscovery(new DiscoverySpec(List.of(), policy));
        return new Task(id, "svc-" + id, "flsa_web", 1, 1, node, TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"), template, Instant.now(), null, 0,
                TaskAllocation.NONE);
    }

    private void assign(Task task, long version, String password, String config) {
        List<TaskFile> files = List.of(Secrets.file(DB_PASSWORD, version, password), Secrets.file(API_KEY, 1, "key"),
                Secrets.file(APP_CONFIG, version, config));
        manager.assign(Map.of(task.id(), Assignment.NONE.withFiles(files)), task);
    }

    private TaskStatus awaitState(String id, TaskState state) {
        await().atMost(TIMEOUT).until(() -> manager.latest(id).map(TaskStatus::state).orElse(null) == state);
        return manager.latest(id).orElseThrow();
    }

    /** {@code docker} with {@code args}: its output (stdout and stderr) and exit code. */
    private static String docker(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("docker"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(30, TimeUnit.SECONDS);
        return output + (process.exitValue() == 0 ? "" : "[exit " + process.exitValue() + "]");
    }

    @Test
    void aContainerSeesItsFilesAsAskedAndGetsANewVersionThenItsSignal() throws Exception {
        String password = Secrets.marker();
        String config = Secrets.marker();
        Task task = task("dsig", "trap 'cat /run/secrets/db-password /etc/app/app.conf > /tmp/hup' HUP;"
                + " : > /tmp/ready; while :; do sleep 0.1; done", new OnDependencyChange.Signal("HUP"));
        assign(task, 1, password, config);
        String container = awaitState("dsig", TaskState.RUNNING).containerId();
        await().atMost(TIMEOUT).until(() -> !docker("exec", container, "ls", "/tmp/ready").contains("[exit"));

        assertThat(docker("exec", container, "cat", "/run/secrets/db-password")).isEqualTo(password);
        assertThat(docker("exec", container, "cat", "/run/secrets/api-key")).isEqualTo("key");
        assertThat(docker("exec", container, "cat", "/etc/app/app.conf")).isEqualTo(config);
        assertThat(docker("exec", container, "stat", "-c", "%u %g %a %n", "/run/secrets", "/run/secrets/db-password",
                "/run/secrets/api-key", "/etc/app/app.conf")).isEqualTo("""
                0 0 755 /run/secrets
                0 0 444 /run/secrets/db-password
                65534 65534 400 /run/secrets/api-key
                1000 1000 440 /etc/app/app.conf
                """);
        assertThat(docker("exec", "-u", "65534", container, "cat", "/run/secrets/db-password", "/run/secrets/api-key"))
                .isEqualTo(password + "key");
        assertThat(docker("exec", container, "sh", "-c", "echo x > /run/secrets/db-password")).contains("Read-only");
        assertThat(docker("exec", container, "sh", "-c", "echo x > /etc/app/app.conf")).contains("Read-only");
        assertThat(docker("inspect", container)).contains("/run/secrets").doesNotContain(password).doesNotContain(config);
        assertThat(manager.latest("dsig").orElseThrow().files()).isEqualTo(Map.of("flsa_db-password", 1L,
                "flsa_api-key", 1L, "flsa_app-config", 1L));
        assertThat(Secrets.filesContaining(dataDir, password, false)).isEmpty();

        String newPassword = Secrets.marker();
        String newConfig = Secrets.marker();
        assign(task, 2, newPassword, newConfig);

        await().atMost(TIMEOUT).until(() -> docker("exec", container, "cat", "/tmp/hup").equals(newPassword + newConfig));
        assertThat(docker("exec", container, "cat", "/run/secrets/db-password")).isEqualTo(newPassword);
        assertThat(docker("exec", container, "cat", "/etc/app/app.conf")).isEqualTo(newConfig);
        assertThat(docker("exec", container, "stat", "-c", "%u %g %a", "/run/secrets/db-password", "/etc/app/app.conf"))
                .isEqualTo("0 0 444\n1000 1000 440\n");
        TaskStatus rotated = manager.latest("dsig").orElseThrow();
        assertThat(rotated.files()).isEqualTo(Map.of("flsa_db-password", 2L, "flsa_api-key", 1L, "flsa_app-config", 2L));
        assertThat(rotated.containerId()).isEqualTo(container);

        manager.assign(); // no longer assigned: the container stops, its files go
        awaitState("dsig", TaskState.SHUTDOWN);
        Path dir = FilesTmpfs.of(TaskDirectory.of(dataDir, "dsig"));
        assertThat(FilesTmpfs.isMounted(dir)).isFalse();
        assertThat(dir).doesNotExist();
        for (String marker : List.of(password, config, newPassword, newConfig)) {
            assertThat(Secrets.filesContaining(dataDir, marker, true)).isEmpty();
            assertThat(logs.text()).doesNotContain(marker);
        }
    }

    @Test
    void theRestartPolicyFailsTheContainerSoThatTheOrchestratorReplacesIt() throws Exception {
        Task task = task("drs", "while :; do sleep 0.1; done", new OnDependencyChange.Restart());
        assign(task, 1, "one", "c1");
        awaitState("drs", TaskState.RUNNING);

        assign(task, 2, "two", "c2");

        TaskStatus failed = awaitState("drs", TaskState.FAILED);
        assertThat(failed.error()).isEqualTo("restart: secret flsa_db-password v2, config flsa_app-config v2 changed");
        assertThat(FilesTmpfs.isMounted(FilesTmpfs.of(TaskDirectory.of(dataDir, "drs")))).isFalse();
    }
}
