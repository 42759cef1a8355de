package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static io.flotilla.agent.TestTasks.alive;
import static io.flotilla.agent.TestTasks.healthcheck;
import static io.flotilla.agent.TestTasks.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.ProcessGroups;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent with real processes (sh, sleep) and a fake manager. */
class AgentTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir
    Path dataDir;
    @TempDir
    Path scratch;

    private FakeManagerChannel manager;
    private Agent agent;

    @BeforeEach
    void startAgent() {
        manager = new FakeManagerChannel(NODE);
        agent = newAgent();
        agent.start();
    }

    @AfterEach
    void stopEverything() {
        agent.close();
        TestTasks.killAll(dataDir);
    }

    private Agent newAgent() {
        AgentConfig config = new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, new Resources(2_000_000_000L,
                1L << 30, 0), Set.of("process"), Duration.ofMillis(100));
        return new Agent(config, manager, Clock.systemUTC());
    }

    private TaskStatus awaitState(String taskId, TaskState state) {
        await().atMost(TIMEOUT).until(() -> manager.latest(taskId).map(TaskStatus::state).orElse(null) == state);
        return manager.latest(taskId).orElseThrow();
    }

    @Test
    void startsTaskAndReportsRunningWithPidAndPortsInItsEnvironment() throws IOException {
        Path envFile = scratch.resolve("env.txt");
        Task task = TestTasks.task("t1", TaskTemplate.process(List.of("/bin/sh", "-c",
                        "env > \"$OUT.tmp\" && mv \"$OUT.tmp\" \"$OUT\"; exec sleep 300"))
                        .withEnvironment(Map.of("OUT", envFile.toString(), "GREETING", "hello")),
                Map.of("DB_HOST", "10.0.0.5"));
        manager.assign(Map.of("t1", new Assignment(List.of(new Assignment.Port("http", 8080),
                new Assignment.Port("metrics-port", 9090)), false, Map.of(), false)), task);

        TaskStatus running = awaitState("t1", TaskState.RUNNING);
        assertThat(running.pid()).isPositive();
        assertThat(running.hostPorts()).containsOnlyKeys("http", "metrics-port");
        assertThat(manager.statuses("t1")).extracting(TaskStatus::state)
                .isSortedAccordingTo(Enum::compareTo);
        await().atMost(TIMEOUT).until(() -> Files.exists(envFile));
        List<String> env = Files.readAllLines(envFile);
        int http = running.hostPorts().get("http");
        int metrics = running.hostPorts().get("metrics-port");
        assertThat(env).contains("PORT=" + http, "FLOTILLA_PORT_HTTP=" + http,
                "FLOTILLA_PORT_METRICS_PORT=" + metrics, "GREETING=hello", "DB_HOST=10.0.0.5",
                "FLOTILLA_TASK_ID=t1", "FLOTILLA_TASK_SLOT=1", "FLOTILLA_SERVICE=web", "FLOTILLA_NODE_ID=" + NODE,
                "FLOTILLA_PORTS=http:8080,metrics-port:9090"); // the typed ports, as tasks have always seen them
        assertThat(env).noneMatch(line -> line.startsWith("FLOTILLA_TEST=")); // surefire sets it for the JVM only
        assertThat(Files.readString(dataDir.resolve("tasks/t1/pid")).trim()).isEqualTo(running.pid().toString());
        assertThat(ProcessGroups.members(running.pid())).contains(running.pid()); // own process group
        assertThat(manager.hellos()).hasSize(1);
        assertThat(manager.hellos().getFirst().node().status().drivers()).containsExactly("process");
    }

    @Test
    void reportsExitCodes() {
        manager.assign(shell("ok", "exit 0", Map.of()), shell("bad", "echo failing; exit 3", Map.of()),
                shell("killed", "kill -9 $$", Map.of()));

        TaskStatus ok = awaitState("ok", TaskState.COMPLETE);
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.error()).isNull();
        TaskStatus bad = awaitState("bad", TaskState.FAILED);
        assertThat(bad.exitCode()).isEqualTo(3);
        assertThat(bad.error()).isEqualTo("exited with code 3");
        TaskStatus killed = awaitState("killed", TaskState.FAILED);
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(killed.error()).isEqualTo("killed by signal 9");
    }

    @Test
    void stopsWithTheTasksOwnStopSignal() {
        Path stopped = scratch.resolve("stopped");
        Task task = TestTasks.withStop(shell("usr1",
                "trap 'echo got-usr1 > \"$OUT\"; exit 0' USR1; while :; do sleep 0.1; done",
                Map.of("OUT", stopped.toString())), "SIGUSR1", Duration.ofSeconds(15));
        manager.assign(task);
        awaitState("usr1", TaskState.RUNNING);

        manager.assign(task.withDesiredState(TaskState.SHUTDOWN));

        TaskStatus shutdown = awaitState("usr1", TaskState.SHUTDOWN);
        assertThat(stopped).hasContent("got-usr1");
        assertThat(shutdown.exitCode()).isZero();
    }

    @Test
    void killsTheWholeProcessGroupWhenTheTaskIgnoresItsStopSignal() throws IOException {
        Path childPidFile = scratch.resolve("child.pid");
        Task task = TestTasks.withStop(shell("stubborn",
                "trap '' TERM; sleep 300 & echo $! > \"$CHILD\"; while :; do sleep 0.1; done",
                Map.of("CHILD", childPidFile.toString())), "TERM", Duration.ofMillis(500));
        manager.assign(task);
        TaskStatus running = awaitState("stubborn", TaskState.RUNNING);
        await().atMost(TIMEOUT).until(() -> Files.exists(childPidFile) && Files.size(childPidFile) > 0);
        long child = Long.parseLong(Files.readString(childPidFile).trim());
        assertThat(alive(child)).isTrue();

        manager.assign();

        TaskStatus shutdown = awaitState("stubborn", TaskState.SHUTDOWN);
        assertThat(shutdown.exitCode()).isEqualTo(137);
        assertThat(shutdown.message()).contains("no longer assigned");
        await().atMost(TIMEOUT).until(() -> ProcessGroups.isEmpty(running.pid()));
        assertThat(alive(child)).isFalse();
    }

    @Test
    void taskMissingFromTheSetIsStopped() {
        manager.assign(shell("gone", "exec sleep 300", Map.of()));
        long pid = awaitState("gone", TaskState.RUNNING).pid();

        manager.assign();

        awaitState("gone", TaskState.SHUTDOWN);
        await().atMost(TIMEOUT).until(() -> !alive(pid));
    }

    @Test
    void restartedAgentAdoptsTheRunningTaskWithoutStartingItAgain() throws IOException {
        Path starts = scratch.resolve("starts");
        Task task = shell("survivor", "echo started >> \"$OUT\"; exec sleep 300", Map.of("OUT", starts.toString()));
        manager.assign(task);
        long pid = awaitState("survivor", TaskState.RUNNING).pid();

        agent.close();
        assertThat(alive(pid)).as("tasks outlive their agent").isTrue();
        int reportsBefore = manager.reports().size();
        agent = newAgent();
        agent.start();

        await().atMost(TIMEOUT).until(() -> manager.reports().size() > reportsBefore + 3);
        assertThat(agent.taskStatuses().get("survivor").state()).isEqualTo(TaskState.RUNNING);
        assertThat(agent.taskStatuses().get("survivor").pid()).isEqualTo(pid);
        assertThat(manager.latest("survivor").orElseThrow().pid()).isEqualTo(pid);
        assertThat(Files.readAllLines(starts)).containsExactly("started");

        manager.assign(); // the adopted task can still be stopped
        awaitState("survivor", TaskState.SHUTDOWN);
        await().atMost(TIMEOUT).until(() -> !alive(pid));
    }

    @Test
    void taskThatEndedWhileNoAgentRanIsReportedWithItsExitCode() throws IOException {
        Path go = scratch.resolve("go");
        manager.assign(shell("lonely", "while [ ! -f \"$GO\" ]; do sleep 0.05; done; exit 5",
                Map.of("GO", go.toString())));
        awaitState("lonely", TaskState.RUNNING);
        agent.close();

        Files.createFile(go);
        Path exitFile = TaskDirectory.of(dataDir, "lonely").exitFile();
        await().atMost(TIMEOUT).until(() -> Files.exists(exitFile));
        assertThat(manager.latest("lonely").orElseThrow().state()).isEqualTo(TaskState.RUNNING);
        agent = newAgent();
        agent.start();

        TaskStatus failed = awaitState("lonely", TaskState.FAILED);
        assertThat(failed.exitCode()).isEqualTo(5);
        assertThat(failed.error()).isEqualTo("exited with code 5");
        assertThat(failed.message()).contains("while no agent ran");
    }

    @Test
    void failingHealthcheckFailsTheTask() {
        Task task = TestTasks.withHealthcheck(shell("sick", "exec sleep 300", Map.of()),
                healthcheck(List.of("CMD-SHELL", "echo db unreachable; exit 1"), 2));
        manager.assign(task);
        long pid = awaitState("sick", TaskState.RUNNING).pid();

        TaskStatus failed = awaitState("sick", TaskState.FAILED);
        assertThat(failed.error()).isEqualTo("unhealthy: db unreachable");
        assertThat(failed.health()).isEqualTo("unhealthy");
        await().atMost(TIMEOUT).until(() -> !alive(pid));
    }

    @Test
    void passingHealthcheckMakesTheTaskHealthy() {
        // CMD form with ${PORT} expanded from the task environment; CMD-SHELL runs in the task's working dir.
        Task cmd = TestTasks.withHealthcheck(TestTasks.task("cmd",
                        TaskTemplate.process(List.of("/bin/sh", "-c", "exec sleep 300")), Map.of()),
                healthcheck(List.of("CMD", "/bin/sh", "-c", "test ${PORT} -gt 0"), 3));
        Task shellCheck = TestTasks.withHealthcheck(shell("cwd", "touch ready; exec sleep 300", Map.of()),
                healthcheck(List.of("CMD-SHELL", "test -f ready && test \"$FLOTILLA_TASK_ID\" = cwd"), 3));
        manager.assign(Map.of("cmd", new Assignment(List.of(new Assignment.Port("http", 80)), false, Map.of(), false)),
                cmd, shellCheck);

        assertThat(awaitState("cmd", TaskState.RUNNING).health()).isIn("starting", "healthy");
        await().atMost(TIMEOUT).until(() -> "healthy".equals(manager.latest("cmd").orElseThrow().health()));
        await().atMost(TIMEOUT).until(() -> "healthy".equals(
                manager.latest("cwd").map(TaskStatus::health).orElse(null)));
        assertThat(manager.latest("cmd").orElseThrow().state()).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void keepsTasksRunningAndRetriesWhileTheManagerIsDown() {
        manager.assign(shell("steady", "exec sleep 300", Map.of()));
        long pid = awaitState("steady", TaskState.RUNNING).pid();

        manager.setDown(true);
        int hellos = manager.hellos().size();
        try {
            Thread.sleep(1500);
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
        assertThat(alive(pid)).isTrue();
        manager.setDown(false);

        await().atMost(TIMEOUT).until(() -> manager.hellos().size() > hellos);
        int reports = manager.reports().size();
        await().atMost(TIMEOUT).until(() -> manager.reports().size() >= reports + 3); // heartbeats
        assertThat(agent.taskStatuses().get("steady").state()).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void rejectsATaskForADriverItDoesNotHave() {
        Task docker = TestTasks.task("docker", new TaskTemplate(TaskTemplate.DOCKER, "nginx", List.of(), List.of(),
                Map.of(), null, null, null, Map.of(), null, List.of(), null, null, null, null, null, false, false,
                List.of(), List.of(), List.of(), Map.of(), null, List.of()), Map.of());
        manager.assign(docker);

        assertThat(awaitState("docker", TaskState.REJECTED).error()).contains("no 'docker' driver");
    }

    @Test
    void failsATaskWhoseProgramDoesNotExist() {
        manager.assign(TestTasks.task("missing", TaskTemplate.process(List.of("no-such-program-xyz")), Map.of()));

        assertThat(awaitState("missing", TaskState.FAILED).error()).contains("executable file not found");
    }

    @Test
    void waitsForNotBeforeAndShutsDownATaskStoppedBeforeItStarted() {
        Task later = TestTasks.withNotBefore(shell("later", "exit 0", Map.of()), Instant.now().plusMillis(800));
        Task never = TestTasks.withNotBefore(shell("never", "exec sleep 300", Map.of()),
                Instant.now().plusSeconds(60));
        manager.assign(later, never);

        TaskStatus complete = awaitState("later", TaskState.COMPLETE);
        assertThat(complete.timestamp()).isAfter(later.notBefore());
        assertThat(manager.latest("never").orElseThrow().state()).isEqualTo(TaskState.ASSIGNED);

        manager.assign();
        TaskStatus shutdown = awaitState("never", TaskState.SHUTDOWN);
        assertThat(shutdown.pid()).isNull();
        assertThat(shutdown.message()).contains("before it started");
    }

    @Test
    void serverLogsOfATask() throws IOException {
        Task task = shell("chatty", "for i in 1 2 3 4; do echo line $i; done; echo oops >&2", Map.of());
        manager.assign(task);
        awaitState("chatty", TaskState.COMPLETE);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        agent.logs().write(task, 2, true, out);
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("line 4\noops\n");
    }

    @Test
    void reassigningTheSameSetChangesNothing() {
        Task task = shell("once", "echo started >> \"$OUT\"; exec sleep 300",
                Map.of("OUT", scratch.resolve("starts").toString()));
        manager.assign(task);
        long pid = awaitState("once", TaskState.RUNNING).pid();

        manager.assign(task); // same set again (the manager's index moved for another reason)
        manager.assign(task);

        await().during(Duration.ofMillis(500)).atMost(TIMEOUT).until(() -> alive(pid));
        assertThat(scratch.resolve("starts")).hasContent("started");
    }
}
