package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lines {@code node rm} prints: the tasks it orphaned, then where each replacement runs. */
class NodeRemovalProgressTest {
    private static final Instant T0 = Instant.parse("2026-12-05T12:00:00Z");
    private static final Map<String, String> NAMES = Map.of("n1", "host-1", "n2", "host-2");

    private static Task task(String id, String service, int slot, String node, TaskState desired, TaskState state) {
        return new Task(id, "svc-" + service, service, slot, 1, node, desired, TaskStatus.of(state, T0, "x"),
                TaskTemplate.process(List.of("true")), T0, null, 0, TaskAllocation.NONE);
    }

    @Test
    void theOrphansAreTheNodesTasksNotYetEnded() {
        List<Task> tasks = List.of(task("a", "shop_web", 2, "n1", TaskState.RUNNING, TaskState.RUNNING),
                task("b", "shop_web", 1, "n1", TaskState.SHUTDOWN, TaskState.SHUTDOWN),
                task("c", "shop_db", 1, "n2", TaskState.RUNNING, TaskState.RUNNING),
                task("d", "agent", 0, "n1", TaskState.RUNNING, TaskState.RUNNING));
        List<Task> orphans = NodeRemovalProgress.orphans("n1", tasks);
        assertThat(NodeRemovalProgress.orphanedLine(orphans)).isEqualTo("Orphaned 2 tasks: shop_web.2, agent.n1");
        assertThat(NodeRemovalProgress.orphanedLine(List.of())).isNull();
    }

    @Test
    void aReplacementIsTheSameSlotUpOnAnotherNode() {
        List<Task> orphans = List.of(task("a", "shop_web", 2, "n1", TaskState.RUNNING, TaskState.RUNNING),
                task("d", "agent", 0, "n1", TaskState.RUNNING, TaskState.RUNNING));
        List<Task> starting = List.of(task("a", "shop_web", 2, "n1", TaskState.SHUTDOWN, TaskState.ORPHANED),
                task("e", "shop_web", 2, "n2", TaskState.RUNNING, TaskState.STARTING),
                task("f", "shop_web", 1, "n2", TaskState.RUNNING, TaskState.RUNNING));
        assertThat(NodeRemovalProgress.replacements("n1", orphans, starting, NAMES))
                .containsEntry("agent.n1", null).doesNotContainKey("shop_web.2").hasSize(1); // not up yet

        List<Task> up = List.of(task("e", "shop_web", 2, "n2", TaskState.RUNNING, TaskState.RUNNING));
        Map<String, String> found = NodeRemovalProgress.replacements("n1", orphans, up, NAMES);
        assertThat(found).containsEntry("shop_web.2", "host-2").containsEntry("agent.n1", null).hasSize(2);
    }
}
