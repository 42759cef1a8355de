package io.flotilla.agent.driver;

import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentVariables;
import java.time.Instant;
import java.util.Map;

/**
 * What the agent writes to {@code <taskdir>/task.json} so that the next agent can adopt the task:
 * the task, the shim's identity (pid and start time, so that a reused pid is never mistaken for
 * it), the task's process group, and the ports and directory it was given.
 *
 * @param assignment     how the manager wired the task ({@link Assignment}); a record an older
 *                       agent wrote has none: it is lifted out of the task's {@code injectedEnv},
 *                       where that agent received it ({@link AssignmentVariables#lift})
 * @param shimPid        null while the task is being prepared (no shim yet)
 * @param shimStartTime  field 22 of {@code /proc/<pid>/stat}: clock ticks since boot
 * @param taskPid        the task's pid, also its process group id; null until known
 */
public record TaskRecord(Task task, Assignment assignment, Long shimPid, Long shimStartTime, Long taskPid,
                         Long taskStartTime, Map<String, Integer> hostPorts, String workingDir, Instant startedAt) {
    public TaskRecord {
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
        if (assignment == null && task != null) {
            AssignmentVariables.Lifted lifted = AssignmentVariables.lift(task.injectedEnv());
            assignment = lifted.assignment();
            task = task.withAssignment(task.nodeId(), lifted.environment(), task.status());
        } else if (assignment == null) {
            assignment = Assignment.NONE;
        }
    }

    public static TaskRecord prepared(Task task, Assignment assignment, Map<String, Integer> hostPorts, String workingDir) {
        return new TaskRecord(task, assignment, null, null, null, null, hostPorts, workingDir, null);
    }

    public TaskRecord withProcesses(ProcessIdentity shim, ProcessIdentity taskProcess, Instant at) {
        return new TaskRecord(task, assignment, shim.pid(), shim.startTime(), taskProcess == null ? null : taskProcess.pid(),
                taskProcess == null ? null : taskProcess.startTime(), hostPorts, workingDir, at);
    }
}
