package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a node observed of a task, compared as the agent does against the manager's copy. */
class TaskStatusTest {
    private static final Instant T = Instant.parse("2026-12-06T07:00:00Z");
    private static final TaskStatus RUNNING = new TaskStatus(TaskState.RUNNING, T, "started", null, null, 42L, null,
            Map.of("http", 30080), "healthy", Map.of("db-password", 1L));

    @Test
    void aRunningTaskDiffersInWhatTheNodeObserved() {
        assertThat(RUNNING.sameObservation(RUNNING)).isTrue();
        assertThat(RUNNING.withFiles(Map.of("db-password", 2L)).sameObservation(RUNNING)).isFalse();
        assertThat(new TaskStatus(TaskState.RUNNING, T, "started", null, null, 43L, null, Map.of("http", 30080),
                "healthy", Map.of("db-password", 1L)).sameObservation(RUNNING)).isFalse();
        assertThat(new TaskStatus(TaskState.RUNNING, T, "started", null, null, 42L, null, Map.of("http", 30080),
                "unhealthy", Map.of("db-password", 1L)).sameObservation(RUNNING)).isFalse();
        assertThat(new TaskStatus(TaskState.RUNNING, T, "started", null, null, 42L, null, Map.of("http", 30081),
                "healthy", Map.of("db-password", 1L)).sameObservation(RUNNING)).isFalse();
        assertThat(RUNNING.sameObservation(TaskStatus.of(TaskState.STARTING, T, "starting"))).isFalse();
    }

    @Test
    void notTheMessageErrorOrTimeWhichTheManagerMayWrite() {
        TaskStatus rewritten = new TaskStatus(TaskState.RUNNING, T.plusSeconds(9), "adopted", null, null, 42L, null,
                Map.of("http", 30080), "healthy", Map.of("db-password", 1L)).withError("waiting for the node's lease");
        assertThat(rewritten.sameObservation(RUNNING)).isTrue();
    }

    @Test
    void anEndedTaskComparesByItsStateOnly() {
        TaskStatus failed = new TaskStatus(TaskState.FAILED, T, "exited", "exit 1", 1, 42L, null, Map.of(), null);
        assertThat(failed.sameObservation(new TaskStatus(TaskState.FAILED, T, "exited", "exit 1", 1, null, null,
                Map.of(), null))).isTrue();
    }
}
