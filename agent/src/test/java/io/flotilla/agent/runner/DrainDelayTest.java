package io.flotilla.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DrainDelayTest {
    private static Task task(Map<String, String> labels, Map<String, String> injected) {
        TaskTemplate template = new TaskTemplate("process", null, List.of("x"), List.of(), Map.of(), null, null, null,
                labels, null, List.of(), null, null, null, null, null, false, false, List.of(), List.of(), List.of(),
                Map.of(), null, List.of());
        return new Task("t1", "svc-1", "shop_web", 1, 1, "n1", TaskState.SHUTDOWN,
                TaskStatus.of(TaskState.RUNNING, Instant.now(), "running"), template, Instant.now(), null, 0, injected);
    }

    @Test
    void aTaskWithPortsDrainsOneSecondOthersNone() {
        assertThat(TaskStopper.drainDelay(task(Map.of(), Map.of("FLOTILLA_PORTS", "http:8080")))).isEqualTo(Duration.ofSeconds(1));
        assertThat(TaskStopper.drainDelay(task(Map.of(), Map.of()))).isZero();
    }

    @Test
    void theLabelOverridesIt() {
        Map<String, String> ports = Map.of("FLOTILLA_PORTS", "http:8080");
        assertThat(TaskStopper.drainDelay(task(Map.of("flotilla.drain_delay", "0s"), ports))).isZero();
        assertThat(TaskStopper.drainDelay(task(Map.of("flotilla.drain_delay", "2500ms"), Map.of()))).isEqualTo(Duration.ofMillis(2500));
        assertThat(TaskStopper.drainDelay(task(Map.of("flotilla.drain_delay", "soon"), ports))).isEqualTo(Duration.ofSeconds(1));
    }
}
