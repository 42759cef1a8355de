package io.flotilla.manager.simulation;

import io.flotilla.model.Task;
import io.flotilla.model.TaskStatus;
import java.util.TreeMap;

/**
 * A fake agent and its node: the task processes it runs (what "really" runs, whatever the state
 * says), and the exit statuses it has yet to report. A node crash kills its processes; a
 * partition does not (tasks outlive their managers) — except fenced ones: the agent holds the
 * lease of its last answered report, and once it has run out its dead man's switch kills them.
 */
final class SimulatedAgent {
    /** A running process of a task. */
    /** A running process of a task; {@code fenced}: assigned with FLOTILLA_FENCING=lease. */
    record Process(String taskId, String serviceId, int slot, boolean fenced) {}

    final String nodeId;
    final String zone;
    boolean up = true;
    final TreeMap<String, Process> processes = new TreeMap<>();
    /** Tasks whose process ended here, with the status to report (kept until the state shows it). */
    final TreeMap<String, TaskStatus> ended = new TreeMap<>();
    /** Until when fenced tasks may run: the last answered report's time + the lease it granted; null: none. */
    java.time.Instant leaseUntil;

    SimulatedAgent(String nodeId, String zone) {
        this.nodeId = nodeId;
        this.zone = zone;
    }

    void crash() {
        up = false;
        processes.clear();
        ended.clear();
        leaseUntil = null;
    }

    boolean runs(Task task) {
        return processes.containsKey(task.id());
    }
}
