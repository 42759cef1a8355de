package io.flotilla.manager.loops;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.FakeStore;
import io.flotilla.manager.TestManagers;
import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.manager.raft.ChangeFeed;
import io.flotilla.manager.raft.CommandBatches;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.scheduler.Fencing;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A node that dies holding many tasks is orphaned in bounded entries: one entry for 12,000 orphans
 * would be ~2.4 MB, and beyond ~25,000 it passes Ratis' 4 MB appender limit and never commits, so
 * the node's tasks would never be replaced.
 */
class LargeVerdictTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @Test
    void aNodeWithTwelveThousandTasksIsOrphanedInBoundedEntries() throws Exception {
        FakeClock clock = new FakeClock();
        int count = 12_000;
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.UpsertNode(TestManagers.node("n1")));
        s = StateMachine.apply(s, 2, new Command.CreateService("svc1", TestManagers.service("shop", "web", count), clock.instant()));
        Service service = s.service("svc1").orElseThrow();
        List<Task> tasks = new ArrayList<>();
        List<Command.Assignment> assignments = new ArrayList<>();
        for (int slot = 1; slot <= count; slot++) {
            tasks.add(TestManagers.newTask("t" + slot, service, slot, clock.instant()));
            assignments.add(new Command.Assignment("t" + slot, "n1"));
        }
        s = StateMachine.apply(s, 3, new Command.CreateTasks(tasks));
        s = StateMachine.apply(s, 4, new Command.AssignTasks(assignments, clock.instant()));
        s = StateMachine.apply(s, 5, new Command.SetNodeStates(List.of(
                new Command.NodeStateChange("n1", NodeState.READY, "up")), clock.instant()));
        FakeStore store = FakeStore.applying(s);
        LeaderCore core = new LeaderCore(new DispatchRules(TIMEOUT, TIMEOUT, Fencing.DEFAULT_LEASE, clock.instant()),
                new Orchestrator(() -> "unused"), new Scheduler(), clock, false);
        LeaderLoop loop = new LeaderLoop(store, core, ChangeFeed.NONE, clock, Duration.ofMillis(100));

        clock.advance(TIMEOUT.multipliedBy(3)); // n1 never reported: past the new leader's grace and the timeout
        loop.pass();

        List<Command.UpdateTaskStatuses> orphaning = store.submitted.stream()
                .filter(Command.UpdateTaskStatuses.class::isInstance).map(Command.UpdateTaskStatuses.class::cast).toList();
        assertThat(orphaning).as("entries of at most %d", CommandBatches.MAX_ITEMS).hasSize(3)
                .allSatisfy(c -> assertThat(c.updates()).hasSizeLessThanOrEqualTo(CommandBatches.MAX_ITEMS));
        assertThat(store.state().node("n1").orElseThrow().status().state()).isEqualTo(NodeState.DOWN);
        assertThat(store.state().tasksOfNode("n1")).hasSize(count)
                .allSatisfy(task -> assertThat(task.state()).isEqualTo(TaskState.ORPHANED));
    }
}
