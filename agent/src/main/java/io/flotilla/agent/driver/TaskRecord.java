package io.flotilla.agent.driver;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.Json;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentVariables;
import io.flotilla.model.api.TaskFile;
import java.time.Instant;
import java.util.Map;

/**
 * What the agent writes to {@code <taskdir>/task.json} so that the next agent can adopt the task:
 * the task, the shim's identity (pid and start time, so that a reused pid is never mistaken for
 * it), the task's process group, and the ports and directory it was given.
 *
 * @param assignment     how the manager wired the task ({@link Assignment}), its secrets and
 *                       configs without their content ({@link #withoutContent}); a record an older
 *                       agent wrote has none, or one without the slot's number and name: those
 *                       are lifted out of the task's {@code injectedEnv}, where that agent
 *                       received them ({@link AssignmentVariables#lift}, {@link #fromJson})
 * @param shimPid        null while the task is being prepared (no shim yet)
 * @param shimStartTime  field 22 of {@code /proc/<pid>/stat}: clock ticks since boot
 * @param taskPid        the task's pid, also its process group id; null until known
 */
public record TaskRecord(Task task, Assignment assignment, Long shimPid, Long shimStartTime, Long taskPid,
                         Long taskStartTime, Map<String, Integer> hostPorts, String workingDir, Instant startedAt) {
    public TaskRecord {
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
        assignment = assignment == null ? Assignment.NONE : withoutContent(assignment);
    }

    /**
     * The assignment with its secrets' and configs' versions but not their content: the record is
     * on disk, and the content lives only in the task's tmpfs (an adopted task keeps its files there).
     */
    static Assignment withoutContent(Assignment assignment) {
        if (assignment.files().isEmpty()
                || assignment.files().stream().allMatch(file -> file.data().length == 0)) {
            return assignment;
        }
        return assignment.withFiles(assignment.files().stream()
                .map(file -> new TaskFile(file.mount(), file.version(), null)).toList());
    }

    /**
     * Reads a {@code task.json}. One an older agent wrote holds the task's {@code injectedEnv}
     * (the variables of its assignment, all of them or only the slot's, and its dependencies'
     * chosen addresses) instead of its typed allocation: the variables are lifted into the
     * assignment, what remains becomes the allocation's dependency addresses.
     */
    @JsonCreator
    static TaskRecord fromJson(@JsonProperty("task") JsonNode task, @JsonProperty("assignment") Assignment assignment,
                               @JsonProperty("shimPid") Long shimPid, @JsonProperty("shimStartTime") Long shimStartTime,
                               @JsonProperty("taskPid") Long taskPid, @JsonProperty("taskStartTime") Long taskStartTime,
                               @JsonProperty("hostPorts") Map<String, Integer> hostPorts,
                               @JsonProperty("workingDir") String workingDir, @JsonProperty("startedAt") Instant startedAt)
            throws JsonProcessingException {
        Task read = task == null || task.isNull() ? null : Json.MAPPER.treeToValue(task, Task.class);
        JsonNode variables = task == null ? null : task.get("injectedEnv");
        if (read != null && variables != null && variables.isObject()) {
            AssignmentVariables.Lifted lifted = AssignmentVariables.lift(Json.MAPPER.convertValue(variables,
                    new TypeReference<Map<String, String>>() {}));
            Assignment given = lifted.assignment();
            if (assignment != null) {
                given = assignment.slot() > 0 ? assignment : assignment.withSlot(given.slot(), given.slotName());
            }
            assignment = given;
            read = read.withAssignment(read.nodeId(),
                    new TaskAllocation(given.fenced(), given.slotVolumes(), lifted.environment()), read.status());
        }
        return new TaskRecord(read, assignment, shimPid, shimStartTime, taskPid, taskStartTime, hostPorts, workingDir,
                startedAt);
    }

    public static TaskRecord prepared(Task task, Assignment assignment, Map<String, Integer> hostPorts, String workingDir) {
        return new TaskRecord(task, assignment, null, null, null, null, hostPorts, workingDir, null);
    }

    public TaskRecord withProcesses(ProcessIdentity shim, ProcessIdentity taskProcess, Instant at) {
        return new TaskRecord(task, assignment, shim.pid(), shim.startTime(), taskProcess == null ? null : taskProcess.pid(),
                taskProcess == null ? null : taskProcess.startTime(), hostPorts, workingDir, at);
    }
}
