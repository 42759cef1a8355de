package io.flotilla.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
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
                TaskStatus.of(TaskState.RUNNING, Instant.now(), "running"), template, Instant.now(), null, 0,
                TaskAllocation.NONE.withDependencyAddresses(injected));
    }

    private static final Assignment PORTS = new Assignment(List.of(new Assignment.Port("http", 8080)), false, Map.of(), false);

    @Test
    void aTaskWithPortsDrainsOneSecondOthersNone() {
        assertThat(TaskStopper.drainDelay(task(Map.of(), Map.of()), PORTS)).isEqualTo(Duration.ofSeconds(1));
        assertThat(TaskStopper.drainDelay(task(Map.of(), Map.of()), Assignment.NONE)).isZero();
    }

    @Test
    void theLabelOverridesIt() {
        assertThat(TaskStopper.drainDelay(task(Map.of("flotilla.drain_delay", "0s"), Map.of()), PORTS)).isZero();
        assertThat(TaskStopper.drainDelay(task(Map.of("flotilla.drain_delay", "2500ms"), Map.of()), Assignment.NONE))
                .isEqualTo(Duration.ofMillis(2500));
        assertThat(TaskStopper.drainDelay(task(Map.of("flotilla.drain_delay", "soon"), Map.of()), PORTS))
                .isEqualTo(Duration.ofSeconds(1));
    }
}
