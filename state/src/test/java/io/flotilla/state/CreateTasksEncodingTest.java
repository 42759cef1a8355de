package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static io.flotilla.state.StateMachineTest.task;
import static io.flotilla.state.StateMachineTest.web;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * CreateTasks in the Raft log: the template once per run of tasks of one service version, not
 * once per task. Decoding gives back exactly the tasks written, in order; entries written before
 * (full tasks) still decode; an entry of a newer format is refused with a clear error.
 */
class CreateTasksEncodingTest {

    private static Command decode(byte[] json) {
        return Json.read(json, Command.class);
    }

    @Test
    void tasksRoundTripInOrderWithWhatDiffersFromTheirGroup() {
        TaskTemplate other = web(1).task().withImage("web:2");
        Task plain1 = task("t1", "s1", 1, null, TaskState.NEW);
        Task plain2 = task("t2", "s1", 2, null, TaskState.NEW);
        Task restarted = new Task("t3", "s1", "shop_web", 3, 1, "n1", TaskState.RUNNING,
                TaskStatus.of(TaskState.PENDING, T0.plusSeconds(5), "waiting"), web(1).task(), T0.plusSeconds(1),
                T0.plusSeconds(9), 4, new TaskAllocation(true, true, Map.of("DB_HOST", "10.0.0.1")));
        Task otherVersion = new Task("t4", "s1", "shop_web", 4, 2, null, TaskState.SHUTDOWN,
                TaskStatus.of(TaskState.NEW, T0, "x"), other, null, null, 0, TaskAllocation.NONE);
        Task backToFirst = task("t5", "s1", 5, null, TaskState.NEW);
        Task otherService = new Task("t6", "s2", null, 0, 1, "n2", TaskState.RUNNING,
                TaskStatus.of(TaskState.NEW, T0, "x"), other, T0, null, 0, TaskAllocation.NONE);
        Command.CreateTasks command = new Command.CreateTasks(
                List.of(plain1, plain2, restarted, otherVersion, backToFirst, otherService));

        Command decoded = decode(Json.writeBytes(command));

        assertThat(decoded).isEqualTo(command);
        List<Task> tasks = ((Command.CreateTasks) decoded).tasks();
        assertThat(tasks.get(1).spec()).as("one decoded template per group").isSameAs(tasks.get(0).spec());
        assertThat(Json.read(Json.writeBytes(command), Command.CreateTasks.class)).isEqualTo(command);
    }

    @Test
    void aTaskCostsTensOfBytesNotItsTemplate() {
        List<Task> tasks = new ArrayList<>();
        for (int i = 1; i <= 1_000; i++) {
            tasks.add(task(String.format("%032x", i), "s1", i, null, TaskState.NEW));
        }
        Command.CreateTasks command = new Command.CreateTasks(tasks);

        int compact = Json.writeBytes(command).length;
        int perTaskBefore = Json.writeBytes(tasks.getFirst()).length;

        assertThat(compact / tasks.size()).as("bytes per task (a full task is %d)", perTaskBefore).isLessThan(70);
        assertThat(decode(Json.writeBytes(command))).isEqualTo(command);
    }

    @Test
    void entriesOfTheFormerFormatStillDecode() {
        Command.CreateTasks command = new Command.CreateTasks(List.of(task("t1", "s1", 1, null, TaskState.NEW),
                task("t2", "s1", 2, "n1", TaskState.NEW)));
        ObjectNode legacy = Json.MAPPER.createObjectNode().put("type", "CreateTasks");
        ArrayNode full = legacy.putArray("tasks");
        command.tasks().forEach(t -> full.add(Json.MAPPER.valueToTree(t)));

        assertThat(decode(Json.writeBytes(legacy))).isEqualTo(command);

        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1,
                new Command.DeployStack("shop", List.of(web(3)), Map.of("shop_web", "s1"), T0));
        assertThat(StateMachine.apply(s, 2, decode(Json.writeBytes(legacy))).tasks()).hasSize(2);
    }

    @Test
    void aTaskMadeAssignedNamesItsAllocationOnlyAndATaskOfAnOlderLeadersEnvironmentReadsAsTheSameDecision() {
        Task assigned = new Task("t1", "s1", "shop_db", 2, 1, "n1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, T0, "assigned"), web(1).task(), T0, null, 0,
                new TaskAllocation(true, true, Map.of("CACHE_HOST", "10.0.0.9")));
        Task plain = task("t2", "s1", 3, null, TaskState.NEW);
        ObjectNode json = Json.MAPPER.valueToTree(new Command.CreateTasks(List.of(assigned, plain)));
        ObjectNode first = (ObjectNode) json.get("groups").get(0).get("tasks").get(0);
        assertThat(first.get("allocation").get("fenced").asBoolean()).isTrue();
        assertThat(json.get("groups").findValues("tasks")).flatExtracting(tasks -> tasks.findValues("allocation"))
                .as("only the assigned task names an allocation").hasSize(1);
        assertThat(json.toString()).doesNotContain("injectedEnv");

        // as a leader wrote it before the decision was typed: the same entry with the variables
        first.remove("allocation");
        first.set("injectedEnv", Json.MAPPER.valueToTree(Map.of("FLOTILLA_FENCING", "lease", "FLOTILLA_SLOT", "2",
                "FLOTILLA_SLOT_NAME", "web-2.web.shop.flotilla", "CACHE_HOST", "10.0.0.9")));
        Command.CreateTasks read = (Command.CreateTasks) decode(Json.writeBytes(json));
        assertThat(read.tasks().getFirst().allocation()).isEqualTo(assigned.allocation());
        assertThat(read.tasks()).containsExactly(assigned, plain);
    }

    @Test
    void anEntryOfANewerFormatIsRefusedWithAClearError() {
        ObjectNode newer = Json.MAPPER.valueToTree(new Command.CreateTasks(List.of(task("t1", "s1", 1, null, TaskState.NEW))));
        newer.put("format", 3);

        assertThatThrownBy(() -> decode(Json.writeBytes(newer)))
                .hasMessageContaining("format 3 is newer than this manager reads");
    }
}
