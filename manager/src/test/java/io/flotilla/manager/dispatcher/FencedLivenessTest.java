package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Lease-aware failover as a pure function of the state, the heartbeats and a fake clock: a lost
 * node's fenced tasks are orphaned only after its last heartbeat (or the leader's start) + lease +
 * 1 s and say until when they wait; stateless tasks keep the fast failover; a node back in time
 * keeps its tasks.
 */
class FencedLivenessTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofMillis(1500);
    private static final Duration LEASE = Duration.ofSeconds(5);

    private ClusterState state = ClusterState.EMPTY;
    private long index;

    private void apply(Command command) {
        state = StateMachine.apply(state, ++index, command);
    }

    /** Node a runs a stateful task (fa) and a stateless one (sa); node b is there too. */
    private void nodeWithAFencedAndAStatelessTask() {
        apply(new Command.UpsertNode(TestManagers.node("a")));
        apply(new Command.UpsertNode(TestManagers.node("b")));
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("a", NodeState.READY, "ready"),
                new Command.NodeStateChange("b", NodeState.READY, "ready")), T0));
        ServiceSpec db = TestManagers.service("st", "db", 1);
        apply(new Command.CreateService("db", db.withLabels(Map.of(ServiceSpec.STATEFUL_LABEL, "true")), T0));
        apply(new Command.CreateService("web", TestManagers.service("st", "web", 1), T0));
        Service dbService = state.service("db").orElseThrow();
        Service webService = state.service("web").orElseThrow();
        apply(new Command.CreateTasks(List.of(TestManagers.newTask("fa", dbService, 1, T0),
                TestManagers.newTask("sa", webService, 1, T0))));
        apply(new Command.AssignTasks(List.of(new Command.Assignment("fa", "a"),
                new Command.Assignment("sa", "a")), T0));
        apply(new Command.UpdateTaskStatuses("a", List.of(
                new Command.TaskStatusUpdate("fa", TaskStatus.of(TaskState.RUNNING, T0, "started")),
                new Command.TaskStatusUpdate("sa", TaskStatus.of(TaskState.RUNNING, T0, "started")))));
    }

    private List<Command> judge(Heartbeats heartbeats, Instant now) {
        List<Command> verdicts = NodeLiveness.verdicts(state, heartbeats, now, TIMEOUT, LEASE);
        verdicts.forEach(this::apply);
        return verdicts;
    }

    @Test
    void aLostNodesFencedTaskWaitsForTheLeaseWhileTheStatelessOneIsReplacedAtOnce() {
        nodeWithAFencedAndAStatelessTask();
        Heartbeats heartbeats = new Heartbeats(T0);
        Instant last = T0.plusSeconds(10);
        heartbeats.record("a", last);
        heartbeats.record("b", last.plusSeconds(5));

        judge(heartbeats, last.plusMillis(1600)); // silent for longer than the timeout: down

        assertThat(state.node("a").orElseThrow().status().state()).isEqualTo(NodeState.DOWN);
        assertThat(state.task("sa").orElseThrow().state()).isEqualTo(TaskState.ORPHANED);
        assertThat(state.task("fa").orElseThrow().state()).isEqualTo(TaskState.RUNNING);
        assertThat(state.task("fa").orElseThrow().status().error()).isEqualTo(
                "node host-a (a) is down; waiting until its lease expires at 00:00:16 UTC before starting elsewhere");

        // the same text is not written again; up to the deadline nothing changes
        assertThat(judge(heartbeats, last.plus(LEASE).plusSeconds(1))).isEmpty();
        assertThat(state.task("fa").orElseThrow().state()).isEqualTo(TaskState.RUNNING);

        judge(heartbeats, last.plus(LEASE).plusSeconds(1).plusMillis(1));
        assertThat(state.task("fa").orElseThrow().state()).isEqualTo(TaskState.ORPHANED);
        assertThat(state.task("fa").orElseThrow().status().error()).isEqualTo("node a is down; its lease expired at 00:00:16 UTC");
    }

    @Test
    void aNewLeaderCountsFromItsOwnStartNotFromTheGraceItGives() {
        nodeWithAFencedAndAStatelessTask();
        Instant start = T0.plusSeconds(100);
        // as the Dispatcher does: grace of 5 s (3.5 s beyond the timeout), leading since start
        Heartbeats heartbeats = new Heartbeats(start.plusMillis(3500), start);
        heartbeats.record("b", start.plusSeconds(4));

        assertThat(NodeLiveness.fenceDeadline(heartbeats, "a", LEASE)).isEqualTo(start.plus(LEASE).plusSeconds(1));
        judge(heartbeats, start.plusMillis(5001)); // the grace is over: a is down
        assertThat(state.task("sa").orElseThrow().state()).isEqualTo(TaskState.ORPHANED);
        assertThat(state.task("fa").orElseThrow().state()).isEqualTo(TaskState.RUNNING);
        judge(heartbeats, start.plusMillis(6001));
        assertThat(state.task("fa").orElseThrow().state()).isEqualTo(TaskState.ORPHANED);
    }

    @Test
    void aHeartbeatHeardByThisLeaderAfterItsStartCounts() {
        Instant start = T0.plusSeconds(100);
        Heartbeats heartbeats = new Heartbeats(start, start);
        heartbeats.record("a", start.plusSeconds(3));

        assertThat(NodeLiveness.fenceDeadline(heartbeats, "a", LEASE)).isEqualTo(start.plusSeconds(9));
        heartbeats.reset(start.plusSeconds(20)); // led again later: heard of nothing since
        assertThat(NodeLiveness.fenceDeadline(heartbeats, "a", LEASE)).isEqualTo(start.plusSeconds(26));
    }

    @Test
    void aNodeBackInTimeKeepsItsFencedTaskAndTheWaitIsCleared() {
        nodeWithAFencedAndAStatelessTask();
        Heartbeats heartbeats = new Heartbeats(T0);
        heartbeats.record("a", T0.plusSeconds(10));
        heartbeats.record("b", T0.plusSeconds(12));
        judge(heartbeats, T0.plusSeconds(12));
        assertThat(state.task("fa").orElseThrow().status().error()).contains("waiting until its lease expires");

        heartbeats.record("a", T0.plusSeconds(13));
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("a", NodeState.READY, "back")), T0.plusSeconds(13)));
        Command clear = NodeLiveness.backAgain(state, "a");
        apply(clear);

        assertThat(state.task("fa").orElseThrow().state()).isEqualTo(TaskState.RUNNING);
        assertThat(state.task("fa").orElseThrow().status().error()).isNull();
        assertThat(NodeLiveness.backAgain(state, "a")).as("nothing left to clear").isNull();
        heartbeats.record("b", T0.plusSeconds(13));
        assertThat(judge(heartbeats, T0.plusSeconds(14))).as("a is heard of: nothing to judge").isEmpty();
    }

    @Test
    void aTaskNotYetAssignedToTheLostNodeIsNotWaitedFor() {
        apply(new Command.UpsertNode(TestManagers.node("a")));
        ServiceSpec db = TestManagers.service("st", "db", 1).withLabels(Map.of(ServiceSpec.STATEFUL_LABEL, "true"));
        apply(new Command.CreateService("db", db, T0));
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("a", NodeState.DOWN, "x")), T0));
        // a pre-placed (global-style) task that never reached the node
        Service service = state.service("db").orElseThrow();
        apply(new Command.CreateTasks(List.of(new io.flotilla.model.Task("g", service.id(), service.spec().name(), 0,
                service.version(), "a", TaskState.RUNNING, TaskStatus.of(TaskState.PENDING, T0, "pending"),
                service.spec().task(), T0, null, 0, io.flotilla.model.TaskAllocation.NONE))));

        judge(new Heartbeats(T0), T0.plusSeconds(2));

        assertThat(state.task("g").orElseThrow().state()).isEqualTo(TaskState.ORPHANED);
    }
}
