package io.flotilla.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarted agent adopts the process tasks of the one before, by the pids in their records. The
 * record gets the pids only once the task's pid is known: an agent killed in between left a
 * record without them, and the long chaos run of 02:15 found the task running on with no agent
 * that knew of it (an orphan). The shim is found by its command line instead.
 */
class ProcessAdoptionTest {
    @TempDir
    Path dataDir;

    private Task task(String id, String script) {
        return new Task(id, "svc", "web", 1, 1, "node-1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"),
                TaskTemplate.process(List.of("/bin/sh", "-c", script)), Instant.now(), null, 0, TaskAllocation.NONE);
    }

    /** Starts the task as an agent does (its id in its environment). */
    private TaskHandle start(Task task, TaskDirectory directory) throws Exception {
        Files.createDirectories(directory.defaultWorkingDir());
        return new ProcessDriver(Clock.systemUTC()).start(new TaskLaunch(task, Assignment.NONE, directory,
                task.spec().command(), Map.of("PATH", "/usr/bin:/bin", "FLOTILLA_TASK_ID", task.id()),
                directory.defaultWorkingDir(), Map.of()));
    }

    /** Writes the record an agent writes before it starts the shim (no pids yet), as one killed then left it. */
    private static void recordPrepared(Task task, TaskDirectory directory) throws Exception {
        Files.createDirectories(directory.defaultWorkingDir());
        directory.writeRecord(TaskRecord.prepared(task, Assignment.NONE, Map.of(), directory.defaultWorkingDir().toString()));
    }

    @Test
    void aTaskWhoseShimWasStartedButNotRecordedIsAdoptedNotOrphaned() throws Exception {
        Task task = task("t-unrecorded", "echo started; exec sleep 60");
        TaskDirectory directory = TaskDirectory.of(dataDir, task.id());
        TaskHandle first = start(task, directory);
        TaskRecord prepared = TaskRecord.prepared(task, Assignment.NONE, Map.of(), directory.defaultWorkingDir().toString());
        directory.writeRecord(prepared); // as an agent killed between starting the shim and recording it left it
        try {
            adoptsTheRunningTask(directory, first);
        } finally {
            first.killAll(); // also when the adoption failed: no test leaves a process behind
        }
    }

    private static void adoptsTheRunningTask(TaskDirectory directory, TaskHandle first) throws Exception {
        Adoption adoption = new ProcessDriver(Clock.systemUTC()).adopt(directory, directory.readRecord().orElseThrow());

        assertThat(adoption).isInstanceOf(Adoption.StillRunning.class);
        TaskHandle adopted = ((Adoption.StillRunning) adoption).handle();
        assertThat(adopted.pid()).isEqualTo(first.pid());
        TaskRecord completed = directory.readRecord().orElseThrow();
        assertThat(completed.shimPid()).as("the record is completed").isNotNull();
        assertThat(completed.taskPid()).isEqualTo(first.pid());
        adopted.killAll();
        assertThat(adopted.exit().get(20, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(9));
        assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive)).as("nothing runs on").isNotEqualTo(
                java.util.Optional.of(true));
    }

    @Test
    void aTaskWhoseShimDiedBeforeItWasRecordedIsKilledNotOrphaned() throws Exception {
        Task task = task("t-stranded", "exec sleep 60");
        TaskDirectory directory = TaskDirectory.of(dataDir, task.id());
        TaskHandle first = start(task, directory);
        try {
            recordPrepared(task, directory);
            // a host kill that took the agent and the shim, but not the task being forked (the chaos run of 17:40)
            ProcessHandle shim = ProcessShim.running(directory).orElseThrow();
            shim.destroyForcibly();
            shim.onExit().get(10, TimeUnit.SECONDS);
            assertThat(ProcessHandle.of(first.pid()).map(ProcessHandle::isAlive)).hasValue(true);

            Adoption adoption = new ProcessDriver(Clock.systemUTC()).adopt(directory, directory.readRecord().orElseThrow());

            assertThat(adoption).isInstanceOf(Adoption.Ended.class);
            org.awaitility.Awaitility.await("the stranded task is killed").atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> ProcessHandle.of(first.pid()).map(p -> !p.isAlive()).orElse(true));
        } finally {
            first.killAll();
        }
    }

    @Test
    void aReusedPidIsNotTakenForAStrandedTask() throws Exception {
        Task task = task("t-reused", "exec sleep 60");
        TaskDirectory directory = TaskDirectory.of(dataDir, task.id());
        recordPrepared(task, directory);
        Process stranger = new ProcessBuilder("sleep", "60").start(); // its pid in the task's pid file: not the task
        try {
            Files.writeString(directory.pidFile(), stranger.pid() + "\n");
            assertThat(directory.readPid()).hasValue(stranger.pid());

            Adoption adoption = new ProcessDriver(Clock.systemUTC()).adopt(directory, directory.readRecord().orElseThrow());

            assertThat(adoption).isEqualTo(new Adoption.Ended(new ExitStatus.Unknown("the agent stopped before the task was started")));
            assertThat(stranger.isAlive()).isTrue();
        } finally {
            stranger.destroyForcibly();
        }
    }

    @Test
    void aTaskWhoseShimNeverStartedHasEnded() throws Exception {
        Task task = task("t-never", "exec sleep 60");
        TaskDirectory directory = TaskDirectory.of(dataDir, task.id());
        recordPrepared(task, directory);

        Adoption adoption = new ProcessDriver(Clock.systemUTC()).adopt(directory, directory.readRecord().orElseThrow());

        assertThat(adoption).isEqualTo(new Adoption.Ended(new ExitStatus.Unknown("the agent stopped before the task was started")));
    }
}
