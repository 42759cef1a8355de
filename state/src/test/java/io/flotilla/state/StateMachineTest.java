package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.time.Instant;
import io.flotilla.model.NodeAvailability;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StateMachineTest {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    static ServiceSpec web(int replicas) {
        return new ServiceSpec("shop_web", "shop", null, replicas, ServiceSpec.process("x", 1, List.of("sleep", "1")).task(),
                List.of(), List.of(), Map.of(), null, null);
    }

    static Task task(String id, String serviceId, int slot, String nodeId, TaskState state) {
        return new Task(id, serviceId, "shop_web", slot, 1, nodeId, TaskState.RUNNING, TaskStatus.of(state, T0, "x"),
                web(1).task(), T0, null, 0, TaskAllocation.NONE);
    }

    static Node node(String id) {
        return new Node(id, new NodeSpec(null, null, Map.of()), new NodeStatus(NodeState.READY, id, "127.0.0.1", null, Set.of("process"), T0, null));
    }

    ClusterState deployed() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.DeployStack("shop", List.of(web(2)), Map.of("shop_web", "s1"), T0));
        s = StateMachine.apply(s, 2, new Command.UpsertNode(node("n1")));
        return StateMachine.apply(s, 3, new Command.CreateTasks(List.of(task("t1", "s1", 1, null, TaskState.NEW))));
    }

    @Test
    void deployCreatesThenUpdatesThenRemovesUnlistedServices() {
        ClusterState s = deployed();
        assertThat(s.serviceByName("shop_web")).get().satisfies(svc -> assertThat(svc.version()).isEqualTo(1));
        assertThat(s.index()).isEqualTo(3);

        ServiceSpec changed = web(2).withTask(web(2).task().withImage("busybox"));
        s = StateMachine.apply(s, 4, new Command.DeployStack("shop", List.of(changed), Map.of(), T0.plusSeconds(1)));
        assertThat(s.service("s1")).get().satisfies(svc -> {
            assertThat(svc.version()).as("a task template change is a new version").isEqualTo(2);
            assertThat(svc.previousSpec()).isEqualTo(web(2));
        });

        s = StateMachine.apply(s, 5, new Command.ScaleService("s1", 7, T0));
        assertThat(s.service("s1").orElseThrow().version()).as("scaling is not a new version").isEqualTo(2);

        s = StateMachine.apply(s, 6, new Command.DeployStack("shop", List.of(), Map.of(), T0));
        assertThat(s.services()).isEmpty();
        assertThat(s.tasks()).as("an unassigned task of a removed service goes at once").isEmpty();
        assertThat(s.stacks()).isEmpty();
    }

    @Test
    void aReportedStatusChangesTheNodesSetButNotWhatItMustRun() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
        assertThat(s.stamps().nodeTasksChangedSince("n1", 3)).as("assigned: a new task for n1").isTrue();

        s = StateMachine.apply(s, 5, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(1), "started")))));
        assertThat(s.stamps().nodeTasksChangedSince("n1", 4)).as("its own status: nothing new to run").isFalse();
        assertThat(s.stamps().nodeSetChangedSince("n1", 4)).as("but the set shows the status").isTrue();
        assertThat(s.stamps().nodeTasksChangedSince("n1", 3)).as("the assignment is still newer than 3").isTrue();
        assertThat(s.stamps().nodeSetChangedSince("n1", 5)).isFalse();

        s = StateMachine.apply(s, 6, new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.ORPHANED, T0.plusSeconds(2), "orphaned")))));
        assertThat(s.stamps().nodeTasksChangedSince("n1", 5)).as("an ended task leaves the set: the node must stop it").isTrue();
        assertThat(s.stamps().nodeSetChangedSince("n1", 5)).isTrue();
    }

    @Test
    void aDesiredStateChangeIsMoreThanAStatus() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
        s = StateMachine.apply(s, 5, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(1), "started")))));
        s = StateMachine.apply(s, 6, new Command.SetDesiredStates(List.of(new Command.DesiredStateChange("t1", TaskState.SHUTDOWN)), T0));
        assertThat(s.stamps().nodeTasksChangedSince("n1", 5)).isTrue();
        s = StateMachine.apply(s, 7, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.SHUTDOWN, T0.plusSeconds(2), "stopped")))));
        assertThat(s.stamps().nodeTasksChangedSince("n1", 6)).as("a task that ended leaves the set").isTrue();
    }

    @Test
    void removingAServiceAsksAssignedTasksToShutDown() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1",
                new TaskAllocation(true, false, Map.of("DB_HOST", "10.0.0.5")))), T0));
        assertThat(s.task("t1")).get().satisfies(t -> {
            assertThat(t.state()).isEqualTo(TaskState.ASSIGNED);
            assertThat(t.allocation()).isEqualTo(new TaskAllocation(true, false, Map.of("DB_HOST", "10.0.0.5")));
        });
        assertThat(s.tasksOfNode("n1")).extracting(Task::id).containsExactly("t1");
        s = StateMachine.apply(s, 5, new Command.RemoveStack("shop", T0));
        assertThat(s.task("t1")).get().satisfies(t -> assertThat(t.desiredState()).isEqualTo(TaskState.SHUTDOWN));
        s = StateMachine.apply(s, 6, new Command.DeleteTasks(List.of("t1")));
        assertThat(s.tasksOfNode("n1")).isEmpty();
        assertThat(s.tasksOfService("s1")).isEmpty();
    }

    @Test
    void assignmentIsRefusedForUnknownNodesAndAlreadyAssignedTasks() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "nope")), T0));
        assertThat(s.task("t1").orElseThrow().nodeId()).isNull();
        s = StateMachine.apply(s, 5, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
        s = StateMachine.apply(s, 6, new Command.UpsertNode(node("n2")));
        s = StateMachine.apply(s, 7, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n2")), T0));
        assertThat(s.task("t1").orElseThrow().nodeId()).isEqualTo("n1");
    }

    /**
     * Two label updates decided on the same (stale) copy of the node, sent at once through two
     * managers: each entry changes only what it names, so both labels stay (a whole-spec write
     * logged the deciding manager's copy and undid the other).
     */
    @Test
    void nodeSpecPatchesDecidedOnTheSameCopyBothApply() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.UpdateNodeSpec("n1",
                new NodeSpec(null, null, Map.of("zone", "a", "old", "x"))));
        s = StateMachine.apply(s, 5, new Command.PatchNodeSpec("n1", new io.flotilla.model.NodeSpecPatch(null, null,
                Map.of("r1", "v1"), List.of()), T0));
        s = StateMachine.apply(s, 6, new Command.PatchNodeSpec("n1", new io.flotilla.model.NodeSpecPatch(null,
                NodeAvailability.DRAIN, Map.of("r2", "v2"), List.of("old")), T0));
        s = StateMachine.apply(s, 7, new Command.PatchNodeSpec("n1",
                io.flotilla.model.NodeSpecPatch.role(io.flotilla.model.NodeRole.MANAGER), T0));
        NodeSpec spec = s.node("n1").orElseThrow().spec();
        assertThat(spec.labels()).containsExactlyInAnyOrderEntriesOf(Map.of("zone", "a", "r1", "v1", "r2", "v2"));
        assertThat(spec.availability()).isEqualTo(NodeAvailability.DRAIN);
        assertThat(spec.role()).isEqualTo(io.flotilla.model.NodeRole.MANAGER);
        assertThat(StateMachine.apply(s, 8, new Command.PatchNodeSpec("nx", io.flotilla.model.NodeSpecPatch.role(
                io.flotilla.model.NodeRole.WORKER), T0)).nodes()).as("an unknown node: nothing").isEqualTo(s.nodes());
    }

    @Test
    void upsertNodesAddsNewNodesAndKeepsKnownNodesOperatorSpecs() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.UpdateNodeSpec("n1",
                new NodeSpec(null, null, Map.of("zone", "a"))));
        Node n1Down = new Node("n1", new NodeSpec(null, null, Map.of()),
                node("n1").status().withState(NodeState.DOWN, T0.plusSeconds(1), "x"));
        s = StateMachine.apply(s, 5, new Command.UpsertNodes(List.of(n1Down, node("n2"), node("n3"))));
        assertThat(s.index()).isEqualTo(5);
        assertThat(s.nodes()).extracting(Node::id).containsExactlyInAnyOrder("n1", "n2", "n3");
        assertThat(s.node("n1").orElseThrow().spec().labels()).containsEntry("zone", "a");
        assertThat(s.node("n1").orElseThrow().status().state()).isEqualTo(NodeState.DOWN);
        assertThat(s.node("n3").orElseThrow().status().state()).isEqualTo(NodeState.READY);
    }

    @Test
    void tasksDecodedFromTheLogShareTheirServicesTemplateObject() {
        ClusterState s = deployed();
        Command decoded = Json.read(Json.write(new Command.CreateTasks(List.of(
                task("t2", "s1", 2, null, TaskState.NEW), task("t3", "s1", 3, null, TaskState.NEW)))), Command.class);
        s = StateMachine.apply(s, 4, decoded);
        var template = s.service("s1").orElseThrow().spec().task();
        assertThat(s.task("t2").orElseThrow().spec()).isSameAs(template);
        assertThat(s.task("t3").orElseThrow().spec()).isSameAs(template);
        assertThat(s.task("t2").orElseThrow()).isEqualTo(task("t2", "s1", 2, null, TaskState.NEW)); // same value

        ClusterState restored = Json.read(Json.writeBytes(StateSnapshot.of(s)), StateSnapshot.class).toState();
        assertThat(restored.task("t3").orElseThrow().spec()).isSameAs(restored.service("s1").orElseThrow().spec().task());
        assertThat(StateSnapshot.of(restored)).isEqualTo(StateSnapshot.of(s));
    }

    @Test
    void statusesFromAnotherNodeAreIgnored() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
        s = StateMachine.apply(s, 5, new Command.UpdateTaskStatuses("n2", List.of(
                new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, T0, "x")))));
        assertThat(s.task("t1").orElseThrow().state()).isEqualTo(TaskState.ASSIGNED);
    }

    @ParameterizedTest
    @EnumSource(value = TaskState.class, names = {"COMPLETE", "FAILED", "SHUTDOWN", "REJECTED", "ORPHANED"})
    void terminalStatesAreFinal(TaskState terminal) {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
        s = StateMachine.apply(s, 5, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1", TaskStatus.of(terminal, T0, "end")))));
        s = StateMachine.apply(s, 6, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(1), "again")))));
        assertThat(s.task("t1").orElseThrow().state()).isEqualTo(terminal);
    }

    @Property(tries = 300)
    void taskStatesOnlyMoveForward(@ForAll("statusSequences") List<TaskState> sequence) {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
        long index = 5;
        TaskState previous = s.task("t1").orElseThrow().state();
        for (TaskState next : sequence) {
            s = StateMachine.apply(s, index++, new Command.UpdateTaskStatuses("n1", List.of(
                    new Command.TaskStatusUpdate("t1", TaskStatus.of(next, T0.plusSeconds(index), "step")))));
            TaskState now = s.task("t1").orElseThrow().state();
            assertThat(now).isGreaterThanOrEqualTo(previous);
            if (previous.isTerminal()) {
                assertThat(now).isEqualTo(previous);
            }
            previous = now;
        }
    }

    @Provide
    Arbitrary<List<TaskState>> statusSequences() {
        return Arbitraries.of(TaskState.class).list().ofMaxSize(12);
    }

    @Test
    void snapshotRoundTripsThroughJsonWithItsIndexes() {
        ClusterState s = StateMachine.apply(deployed(), 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), T0));
        StateSnapshot snapshot = Json.read(Json.writeBytes(StateSnapshot.of(s)), StateSnapshot.class);
        ClusterState restored = snapshot.toState();
        assertThat(restored.index()).isEqualTo(4);
        assertThat(restored.tasksOfNode("n1")).extracting(Task::id).containsExactly("t1");
        assertThat(restored.serviceByName("shop_web")).isPresent();
        assertThat(StateSnapshot.of(restored)).isEqualTo(StateSnapshot.of(s));
    }

    @Test
    void commandsRoundTripThroughJson() {
        List<Command> commands = new ArrayList<>(List.of(
                new Command.DeployStack("shop", List.of(web(3)), Map.of("shop_web", "s1"), T0),
                new Command.CreateTasks(List.of(task("t1", "s1", 1, null, TaskState.NEW))),
                new Command.SetNodeStates(List.of(new Command.NodeStateChange("n1", NodeState.DOWN, "gone")), T0),
                new Command.UpsertNodes(List.of(node("n1"), node("n2")))));
        for (Command command : commands) {
            assertThat(Json.read(Json.write(command), Command.class)).isEqualTo(command);
        }
    }
}
