package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.DiscoverySpec.OnDependencyChange;
import io.flotilla.model.FileMount;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new version of a running process task's secret reaches it without a redeploy: written into
 * its tmpfs, reported in its status, and told to it by its {@code on_dependency_change} policy.
 */
class AgentSecretRotationTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final FileMount DB_PASSWORD = Secrets.secret("shop_db-password", "db-password", null, null, 0400);
    private static final FileMount APP_CONFIG = Secrets.config("shop_app-config", "/etc/app.conf", null, null, 0444);

    @TempDir
    Path dataDir;
    @TempDir
    Path scratch;

    private FakeManagerChannel manager;
    private Agent agent;
    private Secrets.LogCapture logs;

    @BeforeEach
    void startAgent() {
        logs = Secrets.captureLogs();
        manager = new FakeManagerChannel(NODE);
        agent = new Agent(new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, new Resources(2_000_000_000L,
                1L << 30, 0), Set.of("process"), Duration.ofMillis(100)), manager, Clock.systemUTC());
        agent.start();
    }

    @AfterEach
    void stopEverything() {
        agent.close();
        logs.close();
        TestTasks.killAll(dataDir);
        Secrets.unmountAll(dataDir);
    }

    private Task task(String id, String script, OnDependencyChange policy) {
        TaskTemplate template = TaskTemplate.process(List.of("/bin/sh", "-c", script))
                .withEnvironment(Map.of("OUT", scratch.toString())).withFiles(List.of(DB_PASSWORD, APP_CONFIG))
                .withDiscovery(new DiscoverySpec(List.of(), policy));
        return TestTasks.task(id, template, Map.of());
    }

    /** Assigns {@code task} with the password at {@code version} (the config stays at 1). */
    private void assign(Task task, long version, String password) {
        manager.assign(Map.of(task.id(), Assignment.NONE.withFiles(List.of(Secrets.file(DB_PASSWORD, version, password),
                Secrets.file(APP_CONFIG, 1, "config")))), task);
    }

    private TaskStatus awaitRunning(String id) {
        await().atMost(TIMEOUT).until(() -> manager.latest(id).map(TaskStatus::state).orElse(null)
                == TaskState.RUNNING);
        return manager.latest(id).orElseThrow();
    }

    private TaskStatus awaitVersion(String id, long version) {
        await().atMost(TIMEOUT).until(() -> manager.latest(id).map(status -> status.files().get("shop_db-password"))
                .orElse(0L) == version);
        return manager.latest(id).orElseThrow();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private Path secretFile(String id) {
        return FilesTmpfs.of(TaskDirectory.of(dataDir, id)).resolve("db-password");
    }

    @Test
    void ignoreWritesTheNewVersionAndReportsItWithoutTouchingTheProcess() throws Exception {
        String first = Secrets.marker();
        String second = Secrets.marker();
        Task task = task("ign", "exec sleep 300", new OnDependencyChange.Ignore());
        assign(task, 1, first);
        long pid = awaitRunning("ign").pid();
        assertThat(manager.latest("ign").orElseThrow().files()).isEqualTo(Map.of("shop_db-password", 1L,
                "shop_app-config", 1L));
        Object inodeBefore = Files.getAttribute(secretFile("ign"), "unix:ino");

        assign(task, 2, second);

        TaskStatus rotated = awaitVersion("ign", 2);
        assertThat(rotated.message()).isEqualTo("secret shop_db-password v2 written");
        assertThat(rotated.files()).isEqualTo(Map.of("shop_db-password", 2L, "shop_app-config", 1L));
        assertThat(rotated.pid()).isEqualTo(pid);
        assertThat(Files.readString(secretFile("ign"))).isEqualTo(second);
        assertThat(Files.getAttribute(secretFile("ign"), "unix:ino")).isNotEqualTo(inodeBefore); // replaced by rename
        assertThat(Files.getAttribute(secretFile("ign"), "unix:mode")).isEqualTo(0100400);
        Object inodeRotated = Files.getAttribute(secretFile("ign"), "unix:ino");
        assign(task, 2, second); // the same version again: nothing to do (the agent may repeat its status)
        Thread.sleep(500);
        assertThat(Files.getAttribute(secretFile("ign"), "unix:ino")).isEqualTo(inodeRotated);
        assertThat(manager.latest("ign").orElseThrow().timestamp()).isEqualTo(rotated.timestamp());
        assertThat(logs.text()).doesNotContain(first).doesNotContain(second);
    }

    /**
     * The leader answered the report of v2 and died before committing it: the next leader's set still
     * says v1 for a task that holds v2, and the agent reports it again (issue 14's rotation through a
     * leader kill). It used to compare the state only, so the version stayed at 1 in the cluster.
     */
    @Test
    void aVersionReportTheManagerLostIsSentAgain() {
        Task task = task("lost", "exec sleep 300", new OnDependencyChange.Ignore());
        assign(task, 1, "one");
        TaskStatus v1 = awaitRunning("lost");
        await().atMost(TIMEOUT).until(() -> manager.task("lost").map(t -> t.status().files().get("shop_db-password"))
                .orElse(0L) == 1L);
        Task known = manager.task("lost").orElseThrow(); // RUNNING, v1: what the cluster committed

        manager.losing(true);
        assign(known, 2, "two");
        await().atMost(TIMEOUT).until(() -> manager.lost().stream().flatMap(report -> report.updates().stream())
                .anyMatch(update -> update.status().files().getOrDefault("shop_db-password", 0L) == 2L));
        manager.losing(false);
        assign(known, 2, "two"); // the next leader's set: the task still at v1 there

        await().atMost(TIMEOUT).until(() -> manager.task("lost").map(t -> t.status().files().get("shop_db-password"))
                .orElse(0L) == 2L);
        assertThat(manager.task("lost").orElseThrow().status().pid()).isEqualTo(v1.pid());
    }

    @Test
    void signalSendsTheSignalOnceTheNewVersionIsWritten() {
        Task task = task("sig", "trap 'cat \"$FLOTILLA_SECRETS_DIR/db-password\" >> \"$OUT/hup\"' HUP; "
                + ": > \"$OUT/trap-set\"; while :; do sleep 0.1; done", new OnDependencyChange.Signal("SIGHUP"));
        assign(task, 1, "one");
        long pid = awaitRunning("sig").pid();
        await().atMost(TIMEOUT).until(() -> Files.exists(scratch.resolve("trap-set")));

        assign(task, 2, "two");

        await().atMost(TIMEOUT).until(() -> read(scratch.resolve("hup")).equals("two"));
        assertThat(awaitVersion("sig", 2).pid()).isEqualTo(pid);
    }

    @Test
    void execRunsTheCommandWithTheChangedNamesAfterTheNewVersionIsWritten() throws IOException {
        Path script = scratch.resolve("reload.sh");
        Files.writeString(script, "#!/bin/sh\necho \"$FLOTILLA_CHANGED_FILES $(cat \"$FLOTILLA_SECRETS_DIR/db-password\")\""
                + " > \"$OUT/exec\"\n");
        script.toFile().setExecutable(true);
        Task task = task("exec", "exec sleep 300", new OnDependencyChange.Exec(List.of(script.toString())));
        assign(task, 1, "one");
        awaitRunning("exec");

        assign(task, 2, "two");

        await().atMost(TIMEOUT).until(() -> !read(scratch.resolve("exec")).isEmpty());
        assertThat(read(scratch.resolve("exec"))).isEqualTo("shop_db-password two\n");
        assertThat(read(TaskDirectory.of(dataDir, "exec").outputLog()))
                .contains("[flotilla] secret shop_db-password v2 changed: running " + script);
    }

    @Test
    void restartStartsTheProcessAgainInPlaceWithTheNewVersion() {
        Task task = task("rs", "echo \"$$ $(cat \"$FLOTILLA_SECRETS_DIR/db-password\")\" >> \"$OUT/starts\";"
                + " exec sleep 300", new OnDependencyChange.Restart());
        assign(task, 1, "one");
        long firstPid = awaitRunning("rs").pid();
        await().atMost(TIMEOUT).until(() -> read(scratch.resolve("starts")).lines().count() == 1);

        assign(task, 2, "two");

        await().atMost(TIMEOUT).until(() -> read(scratch.resolve("starts")).lines().count() == 2);
        await().atMost(TIMEOUT).until(() -> {
            TaskStatus latest = manager.latest("rs").orElseThrow();
            return latest.state() == TaskState.RUNNING && latest.pid() != firstPid;
        });
        TaskStatus restarted = manager.latest("rs").orElseThrow();
        assertThat(read(scratch.resolve("starts")).lines().toList().get(1)).isEqualTo(restarted.pid() + " two");
        assertThat(restarted.message()).isEqualTo("restarted: secret shop_db-password v2 changed");
        assertThat(restarted.files()).containsEntry("shop_db-password", 2L);
        assertThat(TestTasks.alive(firstPid)).isFalse();
    }

    @Test
    void aNewVersionThatArrivesWhileTheTaskWaitsToStartIsTheOneItStartsWith() {
        Task task = TestTasks.withNotBefore(task("late", "echo \"$(cat \"$FLOTILLA_SECRETS_DIR/db-password\")\" >> \"$OUT/seen\";"
                + " exec sleep 300", new OnDependencyChange.Restart()), java.time.Instant.now().plusMillis(1500));
        assign(task, 1, "one");
        await().atMost(TIMEOUT).until(() -> manager.latest("late").isPresent());
        assign(task, 2, "two"); // while it waits out its restart backoff

        awaitRunning("late");
        await().atMost(TIMEOUT).until(() -> !read(scratch.resolve("seen")).isEmpty());
        sleepBriefly();
        assertThat(read(scratch.resolve("seen"))).isEqualTo("two\n"); // started once, with it: no restart for it
        assertThat(manager.latest("late").orElseThrow().files()).containsEntry("shop_db-password", 2L);
    }

    private static void sleepBriefly() {
        try {
            Thread.sleep(700);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
