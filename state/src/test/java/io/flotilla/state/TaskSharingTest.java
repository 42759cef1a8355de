package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static io.flotilla.state.StateMachineTest.node;
import static io.flotilla.state.StateMachineTest.task;
import static io.flotilla.state.StateMachineTest.web;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Tasks decoded from the log hold their own copies of every string and instant; apply makes them
 * share the objects the state already holds (what keeps a million tasks in ≈ 500 bytes each), and
 * the tasks stay equal to what was decoded.
 */
class TaskSharingTest {

    private static <T> T roundTrip(T command, Class<T> type) {
        return Json.read(Json.writeBytes(command), type);
    }

    @Test
    void decodedTasksShareTheirServiceNodeInstantsAndStatusWords() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1,
                new Command.DeployStack("shop", List.of(web(3)), Map.of("shop_web", "s1"), T0));
        s = StateMachine.apply(s, 2, new Command.UpsertNode(node("n1")));
        Command.CreateTasks create = roundTrip(new Command.CreateTasks(List.of(task("t1", "s1", 1, null, TaskState.NEW),
                task("t2", "s1", 2, null, TaskState.NEW))), Command.CreateTasks.class);
        s = StateMachine.apply(s, 3, create);
        Task t1 = s.task("t1").orElseThrow();
        Task t2 = s.task("t2").orElseThrow();
        assertThat(t1).isEqualTo(create.tasks().get(0));
        assertThat(t1.spec()).isSameAs(s.service("s1").orElseThrow().spec().task());
        assertThat(t1.serviceName()).isSameAs(s.service("s1").orElseThrow().spec().name());
        assertThat(t1.serviceId()).isSameAs(s.service("s1").orElseThrow().id());
        assertThat(t2.createdAt()).isSameAs(t1.createdAt()).isSameAs(t1.status().timestamp());

        Command.AssignTasks assign = roundTrip(new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1"),
                new Command.Assignment("t2", "n1")), T0), Command.AssignTasks.class);
        s = StateMachine.apply(s, 4, assign);
        assertThat(s.task("t1").orElseThrow().nodeId()).isSameAs(s.node("n1").orElseThrow().id());

        Command.UpdateTaskStatuses running = roundTrip(new Command.UpdateTaskStatuses("n1", List.of(
                new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(1), "running")),
                new Command.TaskStatusUpdate("t2", TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(1), "running")))),
                Command.UpdateTaskStatuses.class);
        s = StateMachine.apply(s, 5, running);
        TaskStatus first = s.task("t1").orElseThrow().status();
        TaskStatus second = s.task("t2").orElseThrow().status();
        assertThat(first).isEqualTo(running.updates().get(0).status());
        assertThat(second.timestamp()).isSameAs(first.timestamp());
        assertThat(second.message()).isSameAs(first.message()).isSameAs("running");

        ClusterState restored = roundTrip(StateSnapshot.of(s), StateSnapshot.class).toState();
        Task back = restored.task("t2").orElseThrow();
        assertThat(back).isEqualTo(s.task("t2").orElseThrow());
        assertThat(back.nodeId()).isSameAs(restored.node("n1").orElseThrow().id());
        assertThat(back.spec()).isSameAs(restored.service("s1").orElseThrow().spec().task());
    }

    @Test
    void theSlotIndexFollowsTasksThroughHistoryAndDeletion() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1,
                new Command.DeployStack("shop", List.of(web(3)), Map.of("shop_web", "s1"), T0));
        s = StateMachine.apply(s, 2, new Command.CreateTasks(List.of(task("a", "s1", 1, null, TaskState.NEW),
                task("b", "s1", 1, null, TaskState.NEW), task("c", "s1", 2, null, TaskState.NEW))));
        assertThat(s.tasksOfSlot("s1", ClusterState.slotKey(1, null))).extracting(Task::id).containsExactlyInAnyOrder("a", "b");
        assertThat(s.tasksOfService("s1")).hasSize(3);
        assertThat(s.unplacedTasks()).extracting(Task::id).containsExactly("a", "b", "c");
        s = StateMachine.apply(s, 3, new Command.DeleteTasks(List.of("a", "c")));
        assertThat(s.tasksOfSlot("s1", ClusterState.slotKey(1, null))).extracting(Task::id).containsExactly("b");
        assertThat(s.tasksOfSlot("s1", ClusterState.slotKey(2, null))).isEmpty();
        assertThat(s.unplacedTasks()).extracting(Task::id).containsExactly("b");
        s = StateMachine.apply(s, 4, new Command.DeleteTasks(List.of("b")));
        assertThat(s.serviceIdsWithTasks()).isEmpty();
        assertThat(s.unplacedTasks()).isEmpty();
    }
}
