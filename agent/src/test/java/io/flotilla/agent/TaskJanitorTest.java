package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.agent.logs.LogRotator;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.Assignment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TaskJanitorTest {
    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @TempDir
    Path dataDir;

    private void finishedTask(String id, String serviceId, Instant endedAt) throws IOException {
        Task task = TestTasks.shell(id, "true", Map.of());
        task = new Task(id, serviceId, "web", 1, 1, "node-1", TaskState.RUNNING, task.status(), task.spec(),
                task.createdAt(), null, 0, TaskAllocation.NONE);
        TaskDirectory directory = TaskDirectory.of(dataDir, id);
        Files.createDirectories(directory.defaultWorkingDir());
        directory.writeRecord(TaskRecord.prepared(task, Assignment.NONE, Map.of(), directory.defaultWorkingDir().toString()));
        directory.writeFinalStatus(TaskStatus.of(TaskState.COMPLETE, endedAt, "done"));
    }

    @Test
    void keepsTheNewestFivePerSlotAndNothingOlderThanADay() throws IOException {
        for (int index = 0; index < 8; index++) {
            finishedTask("a" + index, "svc-a", NOW.minusSeconds(60L * index));
        }
        finishedTask("old", "svc-b", NOW.minusSeconds(25 * 3600));
        finishedTask("recent", "svc-b", NOW.minusSeconds(60));
        finishedTask("wanted", "svc-c", NOW.minusSeconds(48 * 3600));
        Files.createDirectories(TaskDirectory.of(dataDir, "live").root()); // no final status: running

        TaskJanitor janitor = new TaskJanitor(dataDir, LogRotator.defaults(), InstantSource.fixed(NOW));
        assertThat(janitor.clean(Set.of("wanted"))).containsExactlyInAnyOrder("a5", "a6", "a7", "old");

        try (var children = Files.list(TaskDirectory.tasksRoot(dataDir))) {
            assertThat(children.map(path -> path.getFileName().toString()))
                    .containsExactlyInAnyOrder("a0", "a1", "a2", "a3", "a4", "recent", "wanted", "live");
        }
    }

    /** A tmpfs at the task's secrets directory holding {@code content}, as the agent mounts it. */
    private Path mountSecrets(String id, String content) throws Exception {
        Path point = FilesTmpfs.of(TaskDirectory.of(dataDir, id));
        Files.createDirectories(point);
        Process mount = new ProcessBuilder("mount", "-t", "tmpfs", "-o", "mode=0700,size=1m", "flotilla-secrets",
                point.toString()).inheritIO().start();
        assertThat(mount.waitFor()).isZero();
        Files.writeString(point.resolve("db-password"), content);
        return point;
    }

    @AfterEach
    void unmount() {
        Secrets.unmountAll(dataDir);
    }

    @Test
    void theSecretsOfATaskThatDoesNotRunAreUnmountedAtOnceWhateverItsDirectoryKeeps() throws Exception {
        finishedTask("ended", "svc-a", NOW);
        Files.createDirectories(TaskDirectory.of(dataDir, "crashed").root()); // its agent died: no final status
        Files.createDirectories(TaskDirectory.of(dataDir, "live").root());
        String marker = Secrets.marker();
        Path ended = mountSecrets("ended", marker);
        Path crashed = mountSecrets("crashed", marker);
        Path live = mountSecrets("live", "live-secret");

        TaskJanitor janitor = new TaskJanitor(dataDir, LogRotator.defaults(), InstantSource.fixed(NOW));
        assertThat(janitor.removeFilesOfEndedTasks(Set.of("live")::contains)).containsExactlyInAnyOrder("ended", "crashed");

        assertThat(FilesTmpfs.isMounted(ended)).isFalse();
        assertThat(FilesTmpfs.isMounted(crashed)).isFalse();
        assertThat(ended).doesNotExist();
        assertThat(crashed).doesNotExist();
        assertThat(TaskDirectory.of(dataDir, "ended").finalStatus()).exists(); // kept for its logs
        assertThat(Secrets.filesContaining(dataDir, marker, true)).isEmpty();
        assertThat(FilesTmpfs.isMounted(live)).isTrue();
        assertThat(Files.readString(live.resolve("db-password"))).isEqualTo("live-secret");
        assertThat(janitor.removeFilesOfEndedTasks(Set.of("live")::contains)).isEmpty();
    }

    @Test
    void aDirectoryDeletedByThePolicyHasItsTmpfsUnmountedFirst() throws Exception {
        finishedTask("old", "svc-a", NOW.minusSeconds(25 * 3600));
        Path old = mountSecrets("old", Secrets.marker());

        TaskJanitor janitor = new TaskJanitor(dataDir, LogRotator.defaults(), InstantSource.fixed(NOW));
        assertThat(janitor.clean(Set.of())).containsExactly("old");

        assertThat(FilesTmpfs.isMounted(old)).isFalse();
        assertThat(TaskDirectory.of(dataDir, "old").root()).doesNotExist();
    }
}
