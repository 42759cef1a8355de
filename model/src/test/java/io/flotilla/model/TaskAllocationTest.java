package io.flotilla.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The scheduler's decision about a task, typed in the log; the environment form older leaders wrote still reads as it. */
class TaskAllocationTest {
    private static final String TASK_BEFORE = """
            {"id":"db1","serviceId":"db-id","serviceName":"shop_db","slot":2,"serviceVersion":1,"nodeId":"n1",
             "desiredState":"RUNNING","status":{"state":"ASSIGNED","timestamp":"2026-11-21T12:00:00Z","message":"assigned"},
             "spec":{"driver":"process","command":["sleep","60"]},"createdAt":"2026-11-21T12:00:00Z","restartCount":0,
             "injectedEnv":{"FLOTILLA_FENCING":"lease","FLOTILLA_SLOT":"2","FLOTILLA_SLOT_NAME":"db-2.db.shop.flotilla",
                            "CACHE_HOST":"10.0.0.9","CACHE_PORT":"6379"}}
            """;

    @Test
    void aTaskAsTheLogStoredItBeforeReadsAsTheTypedDecision() {
        Task task = Json.read(TASK_BEFORE.getBytes(StandardCharsets.UTF_8), Task.class);
        assertThat(task.allocation()).isEqualTo(new TaskAllocation(true, true,
                Map.of("CACHE_HOST", "10.0.0.9", "CACHE_PORT", "6379")));
        assertThat(task.slot()).isEqualTo(2);
    }

    @Test
    void aTaskIsWrittenWithItsAllocationAndReadBackEqual() {
        Task task = Json.read(TASK_BEFORE.getBytes(StandardCharsets.UTF_8), Task.class);
        String json = Json.write(task);
        assertThat(json).contains("\"allocation\":{\"fenced\":true,\"slotVolumes\":true,")
                .doesNotContain("injectedEnv").doesNotContain("FLOTILLA_");
        assertThat(Json.read(json, Task.class)).isEqualTo(task);
        Task plain = task.withAssignment("n1", TaskAllocation.NONE, task.status());
        assertThat(Json.write(plain)).contains("\"allocation\":{}");
        assertThat(Json.read(Json.write(plain), Task.class)).isEqualTo(plain);
    }

    @Test
    void onlyALeaseFencesAndOnlyASlotGivesTheSlotsVolumes() {
        assertThat(TaskAllocation.fromEnvironment(Map.of("FLOTILLA_FENCING", "lease", "DB_HOST", "10.0.0.5")))
                .isEqualTo(new TaskAllocation(true, false, Map.of("DB_HOST", "10.0.0.5")));
        assertThat(TaskAllocation.fromEnvironment(Map.of("FLOTILLA_FENCING", "no"))).isEqualTo(TaskAllocation.NONE);
        assertThat(TaskAllocation.fromEnvironment(null)).isEqualTo(TaskAllocation.NONE);
    }

    @Test
    void tasksReadFromJsonShareTheAllocationsThatNameNoAddress() {
        Task task = Json.read(TASK_BEFORE.getBytes(StandardCharsets.UTF_8), Task.class);
        Task plain = Json.read(Json.write(task.withAssignment("n1", TaskAllocation.NONE, task.status())), Task.class);
        assertThat(plain.allocation()).isSameAs(TaskAllocation.NONE);
        Task stateful = task.withAssignment("n1", new TaskAllocation(true, true, Map.of()), task.status());
        Task again = Json.read(Json.write(stateful), Task.class);
        assertThat(again.allocation()).isEqualTo(stateful.allocation()).isSameAs(stateful.allocation());
        assertThat(task.allocation().dependencyAddresses()).isNotEmpty(); // kept as it is
    }

    @Test
    void anAssignTasksEntryOfAnOlderLeaderReadsAsTheTypedDecision() {
        String entry = """
                {"type":"AssignTasks","assignments":[
                  {"taskId":"db1","nodeId":"n1","env":{"FLOTILLA_FENCING":"lease","FLOTILLA_SLOT":"1",
                                                        "FLOTILLA_SLOT_NAME":"db-1.db.shop.flotilla"}},
                  {"taskId":"app1","nodeId":"n1","env":{"DB_HOST":"10.0.0.5"}},
                  {"taskId":"plain","nodeId":"n2","env":{}}],
                 "at":"2026-12-01T00:00:01Z"}
                """;
        Command.AssignTasks read = (Command.AssignTasks) Json.read(entry.getBytes(StandardCharsets.UTF_8), Command.class);
        assertThat(read.assignments()).containsExactly(
                new Command.Assignment("db1", "n1", new TaskAllocation(true, true, Map.of())),
                new Command.Assignment("app1", "n1", new TaskAllocation(false, false, Map.of("DB_HOST", "10.0.0.5"))),
                new Command.Assignment("plain", "n2"));
        Command written = Json.read(Json.writeBytes(read), Command.class);
        assertThat(written).isEqualTo(read);
        assertThat(Json.write(read)).doesNotContain("\"env\"").doesNotContain("FLOTILLA_");
    }

    @Test
    void aPlainAssignmentWritesAnEmptyAllocation() {
        String json = Json.write(new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")),
                java.time.Instant.parse("2026-12-01T00:00:01Z")));
        assertThat(json).contains("\"allocation\":{}");
    }
}
