package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static io.flotilla.state.StateMachineTest.node;
import static io.flotilla.state.StateMachineTest.task;
import static io.flotilla.state.StateMachineTest.web;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Command;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.Registration;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.VolumeMount;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Each event type, from the command that yields it: its fields, its time, and what does not yield it. */
class EventDerivationTest {
    private static final Instant T1 = T0.plusSeconds(60);

    private ClusterState state = ClusterState.EMPTY;
    private long index;

    /** Applies {@code command} and returns the events its entry added. */
    private List<ClusterEvent> apply(Command command) {
        long before = index;
        state = StateMachine.apply(state, ++index, command);
        return state.events().after(before, Integer.MAX_VALUE);
    }

    private void deployWithNode() {
        apply(new Command.DeployStack("shop", List.of(web(2)), Map.of("shop_web", "s1"), T0));
        apply(new Command.UpsertNode(node("n1")));
    }

    private static ClusterEvent only(List<ClusterEvent> events, String type) {
        List<ClusterEvent> matching = events.stream().filter(e -> e.type().equals(type)).toList();
        assertThat(matching).as(type + " in " + events).hasSize(1);
        return matching.getFirst();
    }

    @Test
    void nodesJoinGoDownComeBackAreDrainedAndRemoved() {
        ClusterEvent joined = only(apply(new Command.UpsertNode(node("n1"))), "node.joined");
        assertThat(joined.node()).isEqualTo("n1");
        assertThat(joined.time()).as("the hello's time").isEqualTo(T0);
        assertThat(joined.attributes()).containsEntry("hostname", "n1").containsEntry("role", "worker");
        assertThat(apply(new Command.UpsertNode(node("n1")))).as("a second hello is no event").isEmpty();

        ClusterEvent down = only(apply(new Command.SetNodeStates(List.of(
                new Command.NodeStateChange("n1", NodeState.DOWN, "no heartbeat for 1.5s")), T1)), "node.down");
        assertThat(down.time()).isEqualTo(T1);
        assertThat(down.message()).contains("n1 is down").contains("no heartbeat for 1.5s");
        assertThat(apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("n1", NodeState.DOWN, "still")), T1)))
                .as("down again is no event").isEmpty();

        ClusterEvent back = only(apply(new Command.SetNodeStates(List.of(
                new Command.NodeStateChange("n1", NodeState.READY, null)), T1.plusSeconds(1))), "node.back");
        assertThat(back.node()).isEqualTo("n1");

        ClusterEvent drained = only(apply(new Command.UpdateNodeSpec("n1", new NodeSpec(null, NodeAvailability.DRAIN, null),
                T1.plusSeconds(2))), "node.drained");
        assertThat(drained.time()).isEqualTo(T1.plusSeconds(2));

        ClusterEvent removed = only(apply(new Command.RemoveNode("n1", T1.plusSeconds(3))), "node.removed");
        assertThat(removed.node()).isEqualTo("n1");
        assertThat(removed.time()).isEqualTo(T1.plusSeconds(3));
    }

    @Test
    void anEntryWithoutATimeTakesTheLastTimeAnEventHad() {
        apply(new Command.UpsertNode(node("n1")));
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("n1", NodeState.DOWN, "x")), T1));
        ClusterEvent removed = only(apply(new Command.RemoveNode("n1")), "node.removed");
        assertThat(removed.time()).as("an older entry of node rm carries no time").isEqualTo(T1);
    }

    @Test
    void leaderChangesAndAuditsAreEventsOfTheirOwn() {
        ClusterEvent leader = only(apply(new Command.LeaderChanged("m2", 7, T1)), "leader.changed");
        assertThat(leader.node()).isEqualTo("m2");
        assertThat(leader.attributes()).containsEntry("term", "7");
        assertThat(leader.time()).isEqualTo(T1);

        ClusterState before = state;
        ClusterEvent audit = only(apply(new Command.RecordAudit("dashboard:abc", "service.scale", "shop_web",
                "replicas 2 -> 5", T1)), "audit");
        assertThat(audit.attributes()).containsEntry("actor", "dashboard:abc").containsEntry("action", "service.scale")
                .containsEntry("target", "shop_web").containsEntry("detail", "replicas 2 -> 5");
        assertThat(StateSnapshot.of(state).services()).as("an audit changes nothing else")
                .isEqualTo(StateSnapshot.of(before).services());
    }

    @Test
    void servicesAreCreatedUpdatedScaledRolledBackAndRemoved() {
        ClusterEvent created = only(apply(new Command.DeployStack("shop", List.of(web(2)), Map.of("shop_web", "s1"), T0)),
                "service.created");
        assertThat(created.service()).isEqualTo("shop_web");
        assertThat(created.stack()).isEqualTo("shop");

        ClusterEvent scaled = only(apply(new Command.ScaleService("s1", 5, T1)), "service.scaled");
        assertThat(scaled.attributes()).containsEntry("from", "2").containsEntry("to", "5");
        assertThat(scaled.message()).contains("from 2 to 5");

        ServiceSpec image2 = web(5).withTask(web(5).task().withImage("web:2"));
        ClusterEvent updated = only(apply(new Command.UpdateService("s1", image2, T1)), "service.updated");
        assertThat(updated.attributes()).containsEntry("version", "2");

        List<ClusterEvent> paused = apply(new Command.UpdateServiceStatus("s1", 2, state.service("s1").orElseThrow()
                .updateStatus().moveTo(ServiceUpdateStatus.State.PAUSED, T1, "update paused: task t9 failed")));
        assertThat(only(paused, "service.update_paused").attributes()).containsEntry("reason", "update paused: task t9 failed");

        ClusterEvent rolledBack = only(apply(new Command.RollbackService("s1", 2, T1, "update failed")), "service.rolled_back");
        assertThat(rolledBack.message()).contains("update failed");
        assertThat(apply(new Command.RollbackService("s1", 2, T1, "stale"))).as("a stale rollback is no event").isEmpty();

        ClusterEvent removed = only(apply(new Command.RemoveStack("shop", T1)), "service.removed");
        assertThat(removed.service()).isEqualTo("shop_web");
    }

    @Test
    void tasksAreAssignedRunFailWithTheirErrorAndAreReplaced() {
        deployWithNode();
        apply(new Command.CreateTasks(List.of(task("t1", "s1", 1, null, TaskState.NEW))));
        ClusterEvent assigned = only(apply(new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T1)),
                "task.assigned");
        assertThat(assigned.task()).isEqualTo("t1");
        assertThat(assigned.node()).isEqualTo("n1");
        assertThat(assigned.service()).isEqualTo("shop_web");
        assertThat(assigned.stack()).isEqualTo("shop");

        ClusterEvent running = only(apply(status("t1", TaskStatus.of(TaskState.RUNNING, T1.plusSeconds(1), "started"))),
                "task.running");
        assertThat(running.time()).as("the status's time").isEqualTo(T1.plusSeconds(1));

        TaskStatus exited = new TaskStatus(TaskState.FAILED, T1.plusSeconds(2), "exited", "exit status 3", 3, null, null,
                Map.of(), null);
        ClusterEvent failed = only(apply(status("t1", exited)), "task.failed");
        assertThat(failed.attributes()).containsEntry("error", "exit status 3").containsEntry("exitCode", "3");
        assertThat(failed.message()).contains("exit status 3");

        ClusterEvent replaced = only(apply(new Command.CreateTasks(List.of(task("t2", "s1", 1, null, TaskState.NEW)))),
                "task.replaced");
        assertThat(replaced.task()).isEqualTo("t2");
        assertThat(replaced.attributes()).containsEntry("replaces", "t1").containsEntry("reason", "exit status 3");
        assertThat(apply(new Command.CreateTasks(List.of(task("t3", "s1", 2, null, TaskState.NEW)))))
                .as("a task in a new slot replaces nothing").isEmpty();
    }

    @Test
    void aFencedAssignmentAndAVolumeBindingAreEvents() {
        ServiceSpec db = new ServiceSpec("shop_db", "shop", null, 1, VolumeStateTest.template(
                new VolumeMount("volume", "shop_data", "/data", false)), List.of(), List.of(), Map.of(), null, null);
        apply(new Command.DeployStack("shop", List.of(db), Map.of("shop_db", "s1"), T0));
        apply(new Command.UpsertNode(node("n1")));
        Task t1 = new Task("t1", "s1", "shop_db", 1, 1, null, TaskState.RUNNING, TaskStatus.of(TaskState.NEW, T0, "new"),
                db.task(), T0, null, 0, TaskAllocation.NONE);
        apply(new Command.CreateTasks(List.of(t1)));
        List<ClusterEvent> events = apply(new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1",
                new TaskAllocation(true, false, Map.of()))), T1));
        assertThat(only(events, "task.fenced").task()).isEqualTo("t1");
        ClusterEvent bound = only(events, "volume.bound");
        assertThat(bound.node()).isEqualTo("n1");
        assertThat(bound.attributes()).containsEntry("volume", "shop_data");
        assertThat(events).extracting(ClusterEvent::seq).as("numbered within the entry").containsExactly(0, 1, 2);
    }

    @Test
    void onlyAnExpiredRegistrationIsAnEvent() {
        Registration r1 = new Registration("reg-1", "legacy", null, "10.0.0.9", Map.of("http", 80), List.of(), Map.of(),
                Duration.ofSeconds(10), T0, null);
        Registration r2 = new Registration("reg-2", "legacy", null, "10.0.0.8", Map.of("http", 80), List.of(), Map.of(),
                Duration.ofSeconds(10), T0, null);
        assertThat(apply(new Command.RegisterEndpoints(List.of(r1, r2)))).isEmpty();
        assertThat(apply(new Command.DeregisterEndpoints(List.of("reg-2"), "deregistered", T1))).isEmpty();
        ClusterEvent expired = only(apply(new Command.DeregisterEndpoints(List.of("reg-1"), "expired", T1)),
                "registration.expired");
        assertThat(expired.service()).isEqualTo("legacy");
        assertThat(expired.attributes()).containsEntry("registration", "reg-1");
    }

    @Test
    void anEntryKeepsAtMostItsBoundOfEventsAndSaysHowManyItLeftOut() {
        deployWithNode();
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < EventDerivation.MAX_PER_ENTRY + 5; i++) {
            tasks.add(task("t" + i, "s1", i + 1, null, TaskState.NEW));
        }
        apply(new Command.CreateTasks(tasks));
        List<ClusterEvent> events = apply(new Command.AssignTasks(tasks.stream()
                .map(t -> new Command.Assignment(t.id(), "n1")).toList(), T1));
        assertThat(events).hasSize(EventDerivation.MAX_PER_ENTRY + 1);
        assertThat(events.getLast().type()).isEqualTo("events.elided");
        assertThat(events.getLast().attributes()).containsEntry("count", "5");
    }

    private static Command status(String taskId, TaskStatus status) {
        return new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate(taskId, status)));
    }
}
