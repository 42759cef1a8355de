package io.flotilla.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The record a task directory keeps for the next agent: with its assignment, and as an older agent wrote it. */
class TaskRecordTest {
    @TempDir
    Path dataDir;

    /** {@code task.json} as an agent before the typed assignment wrote it: the assignment in the task's variables. */
    private static final String OLDER_AGENTS_RECORD = """
            {"task":{"id":"t1","serviceId":"db-id","serviceName":"shop_db","slot":1,"serviceVersion":1,"nodeId":"n1",
                     "desiredState":"RUNNING","status":{"state":"ASSIGNED","timestamp":"2026-11-21T12:00:00Z","message":"assigned"},
                     "spec":{"driver":"process","command":["/bin/sh","-c","sleep 60"]},"createdAt":"2026-11-21T12:00:00Z",
                     "notBefore":null,"restartCount":0,
                     "injectedEnv":{"FLOTILLA_FENCING":"lease","FLOTILLA_SLOT":"1","FLOTILLA_SLOT_NAME":"db-1.db.shop.flotilla",
                                    "FLOTILLA_PORTS":"pg:5432","FLOTILLA_DEPENDENCIES":"CACHE=shop_cache","CACHE_HOST":"10.0.0.9"}},
             "shimPid":4242,"shimStartTime":99,"taskPid":4243,"taskStartTime":100,"hostPorts":{"pg":31000},
             "workingDir":"/data/tasks/t1/work","startedAt":"2026-11-21T12:00:01Z"}
            """;

    @Test
    void anOlderAgentsRecordIsReadWithItsVariablesLiftedIntoTheAssignment() throws Exception {
        TaskDirectory directory = TaskDirectory.of(dataDir, "t1");
        Files.createDirectories(directory.root());
        Files.writeString(directory.root().resolve("task.json"), OLDER_AGENTS_RECORD);

        TaskRecord record = directory.readRecord().orElseThrow();

        assertThat(record.assignment()).isEqualTo(new Assignment(List.of(new Assignment.Port("pg", 5432)), true,
                Map.of("CACHE", "shop_cache"), true, 1, "db-1.db.shop.flotilla"));
        assertThat(record.task().allocation()).isEqualTo(new TaskAllocation(true, true, Map.of("CACHE_HOST", "10.0.0.9")));
        assertThat(record.shimPid()).isEqualTo(4242L);
        assertThat(record.hostPorts()).containsEntry("pg", 31000);
    }

    /** {@code task.json} as an agent of assignment-set format 3 wrote it: the assignment typed, the slot still variables. */
    private static final String FORMAT_3_AGENTS_RECORD = """
            {"task":{"id":"t1","serviceId":"db-id","serviceName":"shop_db","slot":1,"serviceVersion":1,"nodeId":"n1",
                     "desiredState":"RUNNING","status":{"state":"ASSIGNED","timestamp":"2026-11-21T12:00:00Z","message":"assigned"},
                     "spec":{"driver":"process","command":["/bin/sh","-c","sleep 60"]},"createdAt":"2026-11-21T12:00:00Z",
                     "notBefore":null,"restartCount":0,
                     "injectedEnv":{"FLOTILLA_SLOT":"1","FLOTILLA_SLOT_NAME":"db-1.db.shop.flotilla","CACHE_HOST":"10.0.0.9"}},
             "assignment":{"ports":[{"name":"pg","target":5432}],"fenced":true,"dependencies":{"CACHE":"shop_cache"},
                           "slotVolumes":true},
             "shimPid":4242,"shimStartTime":99,"hostPorts":{"pg":31000},"workingDir":"/w"}
            """;

    @Test
    void aFormat3AgentsRecordGetsTheSlotsNumberAndNameIntoItsAssignment() throws Exception {
        TaskDirectory directory = TaskDirectory.of(dataDir, "t1");
        Files.createDirectories(directory.root());
        Files.writeString(directory.root().resolve("task.json"), FORMAT_3_AGENTS_RECORD);

        TaskRecord record = directory.readRecord().orElseThrow();

        assertThat(record.assignment()).isEqualTo(new Assignment(List.of(new Assignment.Port("pg", 5432)), true,
                Map.of("CACHE", "shop_cache"), true, 1, "db-1.db.shop.flotilla"));
        assertThat(record.task().allocation()).isEqualTo(new TaskAllocation(true, true, Map.of("CACHE_HOST", "10.0.0.9")));
        // written back, it is in the new form and reads the same
        directory.writeRecord(record);
        assertThat(Files.readString(directory.root().resolve("task.json"))).doesNotContain("injectedEnv");
        assertThat(directory.readRecord().orElseThrow()).isEqualTo(record);
    }

    @Test
    void aRecordKeepsItsAssignment() throws Exception {
        Task task = new Task("t2", "svc", "web", 1, 1, "n1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.parse("2026-11-21T12:00:00Z"), "assigned"),
                TaskTemplate.process(List.of("sleep", "60")), Instant.parse("2026-11-21T12:00:00Z"), null, 0, TaskAllocation.NONE);
        Assignment assignment = new Assignment(List.of(new Assignment.Port("http", 80, 8080)), false, Map.of(), false);
        TaskDirectory directory = TaskDirectory.of(dataDir, "t2");
        Files.createDirectories(directory.root());

        directory.writeRecord(TaskRecord.prepared(task, assignment, Map.of("http", 8080), "/w"));

        assertThat(directory.readRecord().orElseThrow()).isEqualTo(TaskRecord.prepared(task, assignment,
                Map.of("http", 8080), "/w"));
    }

    @Test
    void aRecordKeepsTheVersionsOfTheTasksFilesButNeverTheirContent() throws Exception {
        io.flotilla.model.FileMount mount = new io.flotilla.model.FileMount(io.flotilla.model.FileKind.SECRET,
                "shop_db-password", "db-password", "0", "0", 0400);
        String marker = "flsa-record-" + java.util.UUID.randomUUID();
        Assignment assignment = Assignment.NONE.withFiles(List.of(new io.flotilla.model.api.TaskFile(mount, 7,
                marker.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
        Task task = new Task("t3", "svc", "web", 1, 1, "n1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.parse("2026-11-21T12:00:00Z"), "assigned"),
                TaskTemplate.process(List.of("sleep", "60")).withFiles(List.of(mount)),
                Instant.parse("2026-11-21T12:00:00Z"), null, 0, TaskAllocation.NONE);
        TaskDirectory directory = TaskDirectory.of(dataDir, "t3");
        Files.createDirectories(directory.root());

        directory.writeRecord(TaskRecord.prepared(task, assignment, Map.of(), "/w"));

        String json = Files.readString(directory.record());
        assertThat(json).contains("shop_db-password").doesNotContain(marker)
                .doesNotContain(java.util.Base64.getEncoder().encodeToString(marker.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        io.flotilla.model.api.TaskFile read = directory.readRecord().orElseThrow().assignment().files().getFirst();
        assertThat(read.mount()).isEqualTo(mount);
        assertThat(read.version()).isEqualTo(7);
        assertThat(read.data()).isEmpty();
    }
}
