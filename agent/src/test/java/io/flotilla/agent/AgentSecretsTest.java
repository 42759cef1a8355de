package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.agent.logs.LogRotator;
import io.flotilla.model.FileMount;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
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
 * Secrets and configs of process tasks through a whole agent (run as root: it mounts the tasks'
 * tmpfs), with real processes and a fake manager that sends their content in the assignment.
 */
class AgentSecretsTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final FileMount DB_PASSWORD = Secrets.secret("shop_db-password", "db-password", null, null, 0400);
    private static final FileMount APP_CONFIG = Secrets.config("shop_app-config", "/etc/app/app.conf", "1234", "5678", 0440);

    @TempDir
    Path dataDir;
    @TempDir
    Path scratch;

    private FakeManagerChannel manager;
    private Agent agent;
    private Secrets.LogCapture logs;

    @BeforeEach
    void startAgent() throws IOException {
        Files.setPosixFilePermissions(scratch, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        // a task run as another user reaches its directory through the data directory, as its working directory
        Files.setPosixFilePermissions(dataDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        logs = Secrets.captureLogs();
        manager = new FakeManagerChannel(NODE);
        agent = newAgent(FilesTmpfs.SYSTEM);
        agent.start();
    }

    @AfterEach
    void stopEverything() {
        agent.close();
        logs.close();
        TestTasks.killAll(dataDir);
        Secrets.unmountAll(dataDir);
    }

    private Agent newAgent(FilesTmpfs tmpfs) {
        return new Agent(new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, new Resources(2_000_000_000L,
                1L << 30, 0), Set.of("process"), Duration.ofMillis(100)), manager, Clock.systemUTC(),
                LogRotator.defaults(), tmpfs);
    }

    private Task task(String id, String script, String user, FileMount... files) {
        TaskTemplate template = TaskTemplate.process(List.of("/bin/sh", "-c", script))
                .withEnvironment(Map.of("OUT", scratch.toString())).withFiles(List.of(files)).withUser(user);
        return TestTasks.task(id, template, Map.of());
    }

    private TaskStatus awaitState(String id, TaskState state) {
        await().atMost(TIMEOUT).until(() -> manager.latest(id).map(TaskStatus::state).orElse(null) == state);
        return manager.latest(id).orElseThrow();
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static String owner(Path path) throws IOException {
        return Files.getAttribute(path, "unix:uid") + ":" + Files.getAttribute(path, "unix:gid") + " "
                + Integer.toOctalString((Integer) Files.getAttribute(path, "unix:mode") & 07777);
    }

    @Test
    void aProcessTaskReadsItsFilesFromItsOwnTmpfsAndNothingElseHoldsThem() throws Exception {
        String password = Secrets.marker();
        String config = Secrets.marker();
        Assignment assignment = Assignment.NONE.withFiles(List.of(Secrets.file(DB_PASSWORD, 1, password),
                Secrets.file(APP_CONFIG, 3, config)));
        manager.assign(Map.of("db", assignment), task("db", "cat \"$FLOTILLA_SECRETS_DIR/db-password\" > \"$OUT/seen\";"
                + " echo \"$FLOTILLA_SECRETS_DIR\" > \"$OUT/dir\"; exec sleep 300", "nobody", DB_PASSWORD, APP_CONFIG));

        TaskStatus running = awaitState("db", TaskState.RUNNING);
        await().atMost(TIMEOUT).until(() -> !read(scratch.resolve("dir")).isEmpty());
        Path dir = FilesTmpfs.of(TaskDirectory.of(dataDir, "db"));
        assertThat(read(scratch.resolve("dir")).strip()).isEqualTo(dir.toString());
        assertThat(read(scratch.resolve("seen"))).isEqualTo(password); // read as nobody, the task's user
        assertThat(FilesTmpfs.isMounted(dir)).isTrue();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo"))).anyMatch(line -> line.contains(" " + dir + " ")
                && line.contains(" - tmpfs flotilla-secrets "));
        assertThat(owner(dir)).isEqualTo("65534:65534 700");
        assertThat(owner(dir.resolve("db-password"))).isEqualTo("65534:65534 400"); // no uid: the task's user
        assertThat(owner(dir.resolve("app.conf"))).isEqualTo("1234:5678 440");
        assertThat(Files.readString(dir.resolve("app.conf"))).isEqualTo(config);
        try (var names = Files.list(dir)) {
            assertThat(names.map(path -> path.getFileName().toString())).containsExactlyInAnyOrder("db-password", "app.conf");
        }
        assertThat(running.files()).isEqualTo(Map.of("shop_db-password", 1L, "shop_app-config", 3L));

        // nowhere else: the task's record, the data directory on disk, the task's environment and command line, the log
        String record = Files.readString(TaskDirectory.of(dataDir, "db").record());
        assertThat(record).contains("shop_db-password");
        assertThat(Secrets.holds(record, password) || Secrets.holds(record, config)).isFalse();
        assertThat(Secrets.filesContaining(dataDir, password, false)).isEmpty();
        assertThat(Secrets.filesContaining(dataDir, config, false)).isEmpty();
        assertThat(Secrets.filesContaining(dataDir, password, true)).containsExactly(dir.resolve("db-password"));
        byte[] environ = Files.readAllBytes(Path.of("/proc/" + running.pid() + "/environ"));
        byte[] cmdline = Files.readAllBytes(Path.of("/proc/" + running.pid() + "/cmdline"));
        assertThat(new String(environ, StandardCharsets.UTF_8)).contains("FLOTILLA_SECRETS_DIR=" + dir)
                .doesNotContain(password);
        assertThat(new String(cmdline, StandardCharsets.UTF_8)).doesNotContain(password);

        manager.assign(); // no longer assigned: stopped, and its files go with it
        TaskStatus ended = awaitState("db", TaskState.SHUTDOWN);
        assertThat(ended.files()).isEmpty();
        assertThat(FilesTmpfs.isMounted(dir)).isFalse();
        assertThat(dir).doesNotExist();
        assertThat(Secrets.filesContaining(dataDir, password, true)).isEmpty();
        assertThat(logs.text()).contains("task db").doesNotContain(password).doesNotContain(config);
    }

    @Test
    void anAgentThatCannotMountTheTmpfsRejectsTheTaskNamingTheSecret() throws Exception {
        agent.close();
        // the real mount, run as nobody: refused as it is for an agent that is not root
        agent = newAgent(new FilesTmpfs(List.of("/usr/bin/setpriv", "--reuid=65534", "--regid=65534",
                "--clear-groups", "--")));
        agent.start();
        String password = Secrets.marker();
        manager.assign(Map.of("noroot", Assignment.NONE.withFiles(List.of(Secrets.file(DB_PASSWORD, 1, password)))),
                task("noroot", ": > \"$OUT/started\"; exec sleep 300", null, DB_PASSWORD));

        TaskStatus rejected = awaitState("noroot", TaskState.REJECTED);
        assertThat(rejected.error()).startsWith("cannot hold secret shop_db-password on this node: its files live on a"
                + " tmpfs that only a root agent can mount").contains("cannot mount a tmpfs at");
        assertThat(scratch.resolve("started")).doesNotExist();
        Path dir = FilesTmpfs.of(TaskDirectory.of(dataDir, "noroot"));
        assertThat(FilesTmpfs.isMounted(dir)).isFalse();
        assertThat(Secrets.filesContaining(dataDir, password, true)).isEmpty();
        assertThat(logs.text()).contains("cannot hold secret shop_db-password").doesNotContain(password);
    }

    @Test
    void aFileTheServiceNamesWithABadOwnerFailsTheTaskAndLeavesNothing() {
        FileMount badUid = Secrets.secret("shop_token", "token", "www-data", null, 0400);
        manager.assign(Map.of("bad", Assignment.NONE.withFiles(List.of(Secrets.file(badUid, 1, "x")))),
                task("bad", ": > \"$OUT/started\"; exec sleep 300", null, badUid));

        TaskStatus failed = awaitState("bad", TaskState.FAILED);
        assertThat(failed.error()).isEqualTo("cannot write secret shop_token for the task: uid \"www-data\" is not a"
                + " numeric id");
        assertThat(scratch.resolve("started")).doesNotExist();
        assertThat(FilesTmpfs.isMounted(FilesTmpfs.of(TaskDirectory.of(dataDir, "bad")))).isFalse();
    }

    @Test
    void anAdoptedTaskKeepsItsFilesAndOneThatEndedWhileNoAgentRanLosesThem() throws Exception {
        String keep = Secrets.marker();
        String lose = Secrets.marker();
        manager.assign(Map.of("keep", Assignment.NONE.withFiles(List.of(Secrets.file(DB_PASSWORD, 2, keep))),
                        "lose", Assignment.NONE.withFiles(List.of(Secrets.file(DB_PASSWORD, 2, lose)))),
                task("keep", "exec sleep 300", null, DB_PASSWORD), task("lose", "exec sleep 300", null, DB_PASSWORD));
        awaitState("keep", TaskState.RUNNING);
        long losePid = awaitState("lose", TaskState.RUNNING).pid();
        Path keepDir = FilesTmpfs.of(TaskDirectory.of(dataDir, "keep"));
        Path loseDir = FilesTmpfs.of(TaskDirectory.of(dataDir, "lose"));

        agent.close(); // the agent goes (as in a crash, nothing of the tasks is touched) ...
        io.flotilla.agent.driver.ProcessGroups.killQuietly(losePid); // ... and a task dies while none runs
        await().atMost(TIMEOUT).until(() -> Files.exists(TaskDirectory.of(dataDir, "lose").exitFile()));
        assertThat(FilesTmpfs.isMounted(loseDir)).isTrue();

        int reportsBefore = manager.reports().size();
        agent = newAgent(FilesTmpfs.SYSTEM);
        agent.start();
        await().atMost(TIMEOUT).until(() -> manager.reports().size() > reportsBefore
                && manager.latest("lose").orElseThrow().state() == TaskState.FAILED);
        assertThat(FilesTmpfs.isMounted(loseDir)).isFalse();
        assertThat(Secrets.filesContaining(dataDir, lose, true)).isEmpty();
        TaskStatus adopted = manager.latest("keep").orElseThrow();
        assertThat(adopted.message()).isEqualTo("adopted by a restarted agent");
        assertThat(adopted.files()).isEqualTo(Map.of("shop_db-password", 2L));
        assertThat(Files.readString(keepDir.resolve("db-password"))).isEqualTo(keep);

        String rotated = Secrets.marker(); // the adopted task still gets rotations
        manager.assign(Map.of("keep", Assignment.NONE.withFiles(List.of(Secrets.file(DB_PASSWORD, 3, rotated)))),
                task("keep", "exec sleep 300", null, DB_PASSWORD));
        await().atMost(TIMEOUT).until(() -> manager.latest("keep").orElseThrow().files().equals(
                Map.of("shop_db-password", 3L)));
        assertThat(Files.readString(keepDir.resolve("db-password"))).isEqualTo(rotated);
        assertThat(logs.text()).doesNotContain(keep).doesNotContain(lose).doesNotContain(rotated);
    }
}
