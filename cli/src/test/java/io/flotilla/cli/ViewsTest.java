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

class ViewsTest {
    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00Z");

    private static Task task(String id, int slot, String node, TaskState desired, TaskState state, int second) {
        return new Task(id, "svc", "shop_db", slot, 1, node, desired, TaskStatus.of(state, T0.plusSeconds(second), "x"),
                TaskTemplate.process(List.of("true")), T0.plusSeconds(second), null, 0, TaskAllocation.NONE);
    }

    @Test
    void aSlotsWantedTaskComesFirstThenItsHistoryNewestFirstWhicheverNodeEachRanOn() {
        Task crashed = task("crashed", 1, "node-a", TaskState.SHUTDOWN, TaskState.FAILED, 1);
        Task orphaned = task("orphaned", 1, "node-b", TaskState.SHUTDOWN, TaskState.ORPHANED, 2);
        Task running = task("running", 1, "node-a", TaskState.RUNNING, TaskState.RUNNING, 3);
        Task laterOrphan = task("later", 1, "node-z", TaskState.SHUTDOWN, TaskState.ORPHANED, 4);
        Task other = task("other", 2, "node-a", TaskState.RUNNING, TaskState.RUNNING, 0);

        assertThat(Views.sorted(List.of(other, crashed, laterOrphan, orphaned, running)))
                .extracting(Task::id).containsExactly("running", "later", "orphaned", "crashed", "other");
    }

    @Test
    void aGlobalServicesTasksAreGroupedByNode() {
        Task a = task("a", 0, "node-a", TaskState.RUNNING, TaskState.RUNNING, 1);
        Task aOld = task("a-old", 0, "node-a", TaskState.SHUTDOWN, TaskState.FAILED, 0);
        Task b = task("b", 0, "node-b", TaskState.RUNNING, TaskState.RUNNING, 2);

        assertThat(Views.sorted(List.of(b, aOld, a))).extracting(Task::id).containsExactly("a", "a-old", "b");
    }
}
