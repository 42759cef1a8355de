package io.flotilla.agent.driver;

import io.flotilla.model.Task;
import java.time.Instant;
import java.util.Map;

/**
 * What the agent writes to {@code <taskdir>/task.json} so that the next agent can adopt the task:
 * the task, the shim's identity (pid and start time, so that a reused pid is never mistaken for
 * it), the task's process group, and the ports and directory it was given.
 *
 * @param shimPid        null while the task is being prepared (no shim yet)
 * @param shimStartTime  field 22 of {@code /proc/<pid>/stat}: clock ticks since boot
 * @param taskPid        the task's pid, also its process group id; null until known
 */
public record TaskRecord(Task task, Long shimPid, Long shimStartTime, Long taskPid, Long taskStartTime,
                         Map<String, Integer> hostPorts, String workingDir, Instant startedAt) {
    public TaskRecord {
        hostPorts = hostPorts == null ? Map.of() : Map.copyOf(hostPorts);
    }

    public static TaskRecord prepared(Task task, Map<String, Integer> hostPorts, String workingDir) {
        return new TaskRecord(task, null, null, null, null, hostPorts, workingDir, null);
    }

    public TaskRecord withProcesses(ProcessIdentity shim, ProcessIdentity taskProcess, Instant at) {
        return new TaskRecord(task, shim.pid(), shim.startTime(), taskProcess == null ? null : taskProcess.pid(),
                taskProcess == null ? null : taskProcess.startTime(), hostPorts, workingDir, at);
    }
}
