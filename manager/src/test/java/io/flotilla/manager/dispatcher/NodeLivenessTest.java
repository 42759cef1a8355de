package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The liveness verdict as a pure function of state, heartbeats and now. */
class NodeLivenessTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private ClusterState state = ClusterState.EMPTY;
    private long index;

    private void apply(Command command) {
        state = StateMachine.apply(state, ++index, command);
    }

    private void twoNodesWithATaskEach() {
        apply(new Command.UpsertNode(TestManagers.node("a")));
        apply(new Command.UpsertNode(TestManagers.node("b")));
        apply(new Command.CreateService("s", TestManagers.service("st", "web", 2), T0));
        Service service = state.service("s").orElseThrow();
        apply(new Command.CreateTasks(List.of(TestManagers.newTask("ta", service, 1, T0),
                TestManagers.newTask("tb", service, 2, T0), TestManagers.newTask("tdone", service, 3, T0))));
        apply(new Command.AssignTasks(List.of(new Command.Assignment("ta", "a"),
                new Command.Assignment("tb", "b"), new Command.Assignment("tdone", "a")), T0));
        apply(new Command.UpdateTaskStatuses("a", List.of(new Command.TaskStatusUpdate("tdone",
                TaskStatus.of(TaskState.COMPLETE, T0, "exit 0")))));
    }

    @Test
    void nobodyIsJudgedWithinTheGracePeriod() {
        twoNodesWithATaskEach();
        Heartbeats heartbeats = new Heartbeats(T0);

        assertThat(NodeLiveness.verdicts(state, heartbeats, T0.plus(TIMEOUT), TIMEOUT)).isEmpty();
    }

    @Test
    void aSilentNodeGoesDownAndOnlyItsUnendedTasksAreOrphaned() {
        twoNodesWithATaskEach();
        Heartbeats heartbeats = new Heartbeats(T0);
        heartbeats.record("b", T0.plusSeconds(2));

        List<Command> verdicts = NodeLiveness.verdicts(state, heartbeats, T0.plusSeconds(4), TIMEOUT);
        verdicts.forEach(this::apply);

        assertThat(verdicts).hasSize(2);
        assertThat(state.node("a").orElseThrow().status().state()).isEqualTo(NodeState.DOWN);
        assertThat(state.node("b").orElseThrow().status().state()).isNotEqualTo(NodeState.DOWN);
        assertThat(state.task("ta").orElseThrow().state()).isEqualTo(TaskState.ORPHANED);
        assertThat(state.task("ta").orElseThrow().status().error()).isEqualTo("node a is down");
        assertThat(state.task("tdone").orElseThrow().state()).isEqualTo(TaskState.COMPLETE);
        assertThat(state.task("tb").orElseThrow().state()).isEqualTo(TaskState.ASSIGNED);
        // judged once: the next pass has nothing to say
        assertThat(NodeLiveness.verdicts(state, heartbeats, T0.plusSeconds(4), TIMEOUT)).isEmpty();
    }

    @Test
    void aDownNodeStillHoldingUnendedTasksGetsThemOrphaned() {
        twoNodesWithATaskEach();
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("a", NodeState.DOWN, "x")), T0));

        List<Command> verdicts = NodeLiveness.verdicts(state, new Heartbeats(T0), T0, TIMEOUT);

        assertThat(verdicts).singleElement().isInstanceOf(Command.UpdateTaskStatuses.class);
    }

    @Test
    void resetGrantsAFreshGracePeriod() {
        Heartbeats heartbeats = new Heartbeats(T0);
        heartbeats.record("a", T0);
        heartbeats.reset(T0.plusSeconds(10));

        assertThat(heartbeats.lastSeen("a")).isEqualTo(T0.plusSeconds(10));
        heartbeats.record("a", T0.plusSeconds(12));
        assertThat(heartbeats.lastSeen("a")).isEqualTo(T0.plusSeconds(12));
    }
}
