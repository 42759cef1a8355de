package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The lines {@code node update --availability drain} prints while a node's tasks move off it. */
class DrainProgressTest {
    private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
    private static final Map<String, String> NAMES = Map.of("n1", "host-1", "n2", "host-2", "n3", "host-3");

    private static Task task(String id, String service, String node, TaskState desired, TaskState state) {
        return new Task(id, "svc-" + service, service, 1, 1, node, desired, TaskStatus.of(state, T0, "x"),
                TaskTemplate.process(List.of("true")), T0, null, 0, TaskAllocation.NONE);
    }

    private static List<String> lines(Set<String> services, List<Task> tasks) {
        return DrainProgress.lines("n1", services, tasks, NAMES).stream().map(DrainProgress.Line::text).toList();
    }

    @Test
    void aServiceLineSaysWhatIsLeftOnTheNodeAndWhereItRunsNow() {
        List<Task> tasks = List.of(
                task("a", "shop_web", "n1", TaskState.SHUTDOWN, TaskState.RUNNING), // stopping: still on the node
                task("b", "shop_web", "n2", TaskState.RUNNING, TaskState.RUNNING),
                task("c", "shop_web", "n3", TaskState.RUNNING, TaskState.STARTING), // not up yet
                task("d", "shop_db", "n1", TaskState.SHUTDOWN, TaskState.SHUTDOWN), // gone from the node
                task("e", "shop_db", "n3", TaskState.RUNNING, TaskState.RUNNING),
                task("f", "other", "n2", TaskState.RUNNING, TaskState.RUNNING)); // never on the node: no line
        assertThat(DrainProgress.servicesOn("n1", tasks)).containsExactly("shop_web");
        assertThat(lines(Set.of("shop_web", "shop_db"), tasks)).containsExactly(
                "shop_db: 0 left on the node, 1 running elsewhere (1 on host-3)",
                "shop_web: 1 left on the node, 1 running elsewhere (1 on host-2)");
    }

    @Test
    void aServiceWithNothingUpElsewhereSaysSo() {
        assertThat(lines(Set.of("shop_web"), List.of(task("a", "shop_web", "n1", TaskState.SHUTDOWN, TaskState.RUNNING),
                task("b", "shop_web", null, TaskState.RUNNING, TaskState.PENDING))))
                .containsExactly("shop_web: 1 left on the node, 0 running elsewhere");
    }

    @Test
    void theSummaryCountsTheServicesMoved() {
        assertThat(DrainProgress.summary("host-1", 2, Duration.ofMillis(4270)))
                .isEqualTo("Node host-1 is drained: it runs no task (2 services moved) after 4.2 s.");
        assertThat(DrainProgress.summary("host-1", 0, Duration.ofMillis(90)))
                .isEqualTo("Node host-1 is drained: it runs no task after 0.0 s.");
    }
}
