package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static io.flotilla.state.StateMachineTest.node;
import static io.flotilla.state.StateMachineTest.web;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.Registration;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What {@link StateMachine#applyWithChanges} says a command changed: exactly that, no more. */
class ChangesTest {
    private final StateMachineTest fixtures = new StateMachineTest();

    /** deployed(): service s1 (shop_web), node n1, task t1 in slot 1, unassigned. */
    private ClusterState assigned() {
        return StateMachine.apply(fixtures.deployed(), 4,
                new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
    }

    @Test
    void aDeployNamesTheServicesItCreatesChangesAndRemoves() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.UpsertNode(node("n1")));
        StateMachine.Applied created = StateMachine.applyWithChanges(s, 2, new Command.DeployStack("shop",
                List.of(web(2)), Map.of("shop_web", "s1"), T0));
        assertThat(created.changes().services()).containsExactly("s1");
        assertThat(created.changes().tasks()).isEmpty();
        assertThat(created.changes().nodes()).isEmpty();
        assertThat(created.changes().publishedPorts()).as("a new service's ports are in no set yet").isFalse();

        StateMachine.Applied same = StateMachine.applyWithChanges(created.state(), 3, new Command.DeployStack("shop",
                List.of(web(2)), Map.of(), T0));
        assertThat(same.changes().isEmpty()).as("the same file again changes nothing").isTrue();

        ClusterState withTask = StateMachine.apply(same.state(), 4, new Command.CreateTasks(List.of(
                StateMachineTest.task("t1", "s1", 1, null, TaskState.NEW))));
        withTask = StateMachine.apply(withTask, 5, new Command.AssignTasks(List.of(
                new Command.Assignment("t1", "n1")), T0));
        StateMachine.Applied removed = StateMachine.applyWithChanges(withTask, 6, new Command.DeployStack("shop",
                List.of(), Map.of(), T0));
        assertThat(removed.changes().services()).containsExactly("s1");
        assertThat(removed.changes().tasks()).as("its assigned task is asked to stop").containsExactly("t1");
        assertThat(removed.changes().slots()).isEqualTo(Map.of("s1", Set.of(1)));
        assertThat(removed.changes().nodeTasks()).containsExactly("n1");
        assertThat(removed.changes().nodes()).isEmpty();
    }

    @Test
    void anAssignmentNamesTheTaskItsSlotAndItsNodesSet() {
        StateMachine.Applied applied = StateMachine.applyWithChanges(fixtures.deployed(), 4,
                new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1"),
                        new Command.Assignment("gone", "n1")), T0));
        Changes changes = applied.changes();
        assertThat(changes.tasks()).containsExactly("t1");
        assertThat(changes.slots()).isEqualTo(Map.of("s1", Set.of(1)));
        assertThat(changes.nodeTasks()).containsExactly("n1");
        assertThat(changes.nodeStatuses()).isEmpty();
        assertThat(changes.services()).isEmpty();
        assertThat(changes.nodes()).as("the node's own record did not change").isEmpty();
        assertThat(changes.volumes()).isEmpty();
        assertThat(applied.state().stamps().nodeTasksChangedSince("n1", 3)).as("the stamps follow the changes").isTrue();

        StateMachine.Applied status = StateMachine.applyWithChanges(applied.state(), 5, new Command.UpdateTaskStatuses("n1",
                List.of(new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(1), "up")))));
        assertThat(status.changes().tasks()).containsExactly("t1");
        assertThat(status.changes().nodeTasks()).as("a status only").isEmpty();
        assertThat(status.changes().nodeStatuses()).containsExactly("n1");
    }

    @Test
    void nodeStatesNameOnlyTheNodesThatChanged() {
        ClusterState s = StateMachine.apply(assigned(), 5, new Command.UpsertNode(node("n2")));
        StateMachine.Applied applied = StateMachine.applyWithChanges(s, 6, new Command.SetNodeStates(List.of(
                new Command.NodeStateChange("n1", NodeState.DOWN, "silent"),
                new Command.NodeStateChange("nope", NodeState.DOWN, "unknown")), T0));
        Changes changes = applied.changes();
        assertThat(changes.nodes()).containsExactly("n1");
        assertThat(changes.tasks()).as("orphaning its tasks is another command").isEmpty();
        assertThat(changes.nodeTasks()).isEmpty();
        assertThat(changes.services()).isEmpty();

        Changes hello = StateMachine.applyWithChanges(applied.state(), 7, new Command.UpsertNode(
                applied.state().node("n2").orElseThrow())).changes();
        assertThat(hello.isEmpty()).as("a hello that changed nothing").isTrue();
    }

    @Test
    void registrationsNameTheAdmittedOnes() {
        Registration ok = registration("reg-a", "worker:w1");
        Registration taskId = registration("t1", "worker:w1");
        StateMachine.Applied applied = StateMachine.applyWithChanges(fixtures.deployed(), 4,
                new Command.RegisterEndpoints(List.of(ok, taskId)));
        assertThat(applied.changes().registrations()).as("a task's id is refused: no change").containsExactly("reg-a");
        assertThat(applied.changes().tasks()).isEmpty();
        assertThat(applied.changes().services()).isEmpty();

        Changes again = StateMachine.applyWithChanges(applied.state(), 5, new Command.RegisterEndpoints(List.of(ok))).changes();
        assertThat(again.isEmpty()).isTrue();
        Changes gone = StateMachine.applyWithChanges(applied.state(), 5,
                new Command.DeregisterEndpoints(List.of("reg-a", "reg-b"), "expired", T0)).changes();
        assertThat(gone.registrations()).containsExactly("reg-a");
    }

    @Test
    void removingANodeNamesItAndTheClustersDenyList() {
        ClusterState s = StateMachine.apply(assigned(), 5, new Command.SetClusterConfig(
                new io.flotilla.model.ClusterConfig("c1", "wt", "mt")));
        StateMachine.Applied applied = StateMachine.applyWithChanges(s, 6, new Command.RemoveNode("n1"));
        Changes changes = applied.changes();
        assertThat(changes.nodes()).containsExactly("n1");
        assertThat(changes.cluster()).as("its id goes on the deny list").isTrue();
        assertThat(changes.tasks()).as("its tasks stay until orphaned").isEmpty();
        assertThat(changes.services()).isEmpty();
        assertThat(changes.registrations()).isEmpty();
    }

    private static Registration registration(String id, String owner) {
        return new Registration(id, "ext_pay", null, "10.0.0.1", Map.of("http", 80), List.of(), Map.of(),
                Duration.ofSeconds(30), T0, owner);
    }
}
