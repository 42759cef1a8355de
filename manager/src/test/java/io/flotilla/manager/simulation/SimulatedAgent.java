package io.flotilla.manager.simulation;

import io.flotilla.manager.dispatcher.AssignmentSets;
import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.model.Command;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Predicate;

/**
 * A fake agent and its node: the task processes it runs (what "really" runs, whatever the state
 * says), and the exit statuses it has yet to report. A node crash kills its processes; a
 * partition does not (tasks outlive their managers) — except fenced ones: the agent holds the
 * lease of its last answered report, and once it has run out its dead man's switch kills them.
 *
 * <p>Each {@link #round} it speaks to the leader as a real agent does, and the leader answers with
 * its real {@link DispatchRules}: a hello while the state does not know the node, else a status
 * report (the heartbeat, READY again, the lease); then the agent converges its processes to its
 * assignment set ({@link AssignmentSets}) and reports what differs.
 */
final class SimulatedAgent {
    /** A running process of a task; {@code fenced}: its assignment says so. */
    record Process(String taskId, String serviceId, int slot, boolean fenced) {}

    final String nodeId;
    final String zone;
    boolean up = true;
    final TreeMap<String, Process> processes = new TreeMap<>();
    /** Tasks whose process ended here, with the status to report (kept until the state shows it). */
    final TreeMap<String, TaskStatus> ended = new TreeMap<>();
    /** Until when fenced tasks may run: the last answered report's time + the lease it granted; null: none. */
    Instant leaseUntil;
    /** The term of the leader whose answer set {@link #leaseUntil} (set by the simulation). */
    long leaseTerm;
    /** Fenced processes started, and killed by the lease running out (for the statistics). */
    int fencedStarts;
    int fencedKills;

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

    /** The node as its agent describes it in a hello; the leader decides its role and state. */
    private Node hello(Instant now) {
        return new Node(nodeId, new NodeSpec(NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of("zone", zone)),
                new NodeStatus(NodeState.UNKNOWN, "host-" + nodeId, "10.0.0." + nodeId.substring(1), Resources.NONE,
                        Set.of("process"), now, "starting"));
    }

    /**
     * One round with the leader, whose applied state is {@code state} and whose rules are
     * {@code rules}; what it commits goes to {@code propose} (the leader's log). A hello registers
     * the node (as a worker: the simulation has no joins) and ends the round, answered once applied.
     *
     * @param quorum whether the leader heard from a majority lately (else its answers grant no lease)
     */
    void round(ClusterState state, DispatchRules rules, boolean quorum, Instant now, Predicate<Task> crashesOnStart,
               Consumer<Command> propose) {
        if (state.node(nodeId).isEmpty()) {
            propose.accept(new Command.UpsertNode(rules.hello(state, hello(now), id -> false, true, now)));
            return;
        }
        DispatchRules.Report report = rules.report(state, nodeId, quorum, now);
        if (report.leaseMillis() > 0) {
            Instant until = now.plusMillis(report.leaseMillis());
            leaseUntil = leaseUntil == null || until.isAfter(leaseUntil) ? until : leaseUntil;
        }
        if (report.readyAgain() != null) {
            propose.accept(new Command.SetNodeStates(List.of(report.readyAgain()), now));
            Command clear = rules.backAgain(state, nodeId);
            if (clear != null) {
                propose.accept(clear);
            }
        }
        Map<String, Task> assigned = new TreeMap<>();
        AssignmentSet set = AssignmentSets.of(state, nodeId);
        set.tasks().forEach(task -> assigned.put(task.id(), task));
        // stop what is no longer in the set (replaced while this node was away, or removed)
        processes.keySet().removeIf(taskId -> !assigned.containsKey(taskId));
        ended.keySet().removeIf(taskId -> !assigned.containsKey(taskId));
        List<TaskStatusUpdate> updates = new ArrayList<>();
        for (Task task : assigned.values()) {
            TaskStatus status = converge(task, set.assignment(task.id()), now, crashesOnStart);
            if (status != null) {
                updates.add(new TaskStatusUpdate(task.id(), status));
            }
        }
        // the dispatcher's batcher keeps what is news and commits it with no reporter (checked by the rule)
        List<TaskStatusUpdate> news = DispatchRules.news(state, nodeId, updates);
        if (!news.isEmpty()) {
            propose.accept(new Command.UpdateTaskStatuses(null, news));
        }
    }

    /** Starts or stops the task's process as its assignment says; returns the status to report, or null. */
    private TaskStatus converge(Task task, Assignment assignment, Instant now, Predicate<Task> crashesOnStart) {
        TaskStatus done = ended.get(task.id());
        if (done != null) {
            return done;
        }
        if (task.desiredState() != TaskState.RUNNING) {
            processes.remove(task.id());
            return end(task, status(TaskState.SHUTDOWN, null, "shut down", now));
        }
        if (runs(task)) {
            return task.state() != TaskState.RUNNING ? status(TaskState.RUNNING, null, "started", now) : null;
        }
        if (task.state().compareTo(TaskState.RUNNING) >= 0) {
            return end(task, status(TaskState.FAILED, null, "process lost", now).withError("the node restarted"));
        }
        if (crashesOnStart.test(task)) {
            return end(task, status(TaskState.FAILED, 1, "exited", now).withError("exit code 1"));
        }
        boolean fenced = assignment.fenced();
        if (fenced && (leaseUntil == null || now.isAfter(leaseUntil))) {
            return null; // no lease, no fenced start
        }
        processes.put(task.id(), new Process(task.id(), task.serviceId(), task.slot(), fenced));
        fencedStarts += fenced ? 1 : 0;
        return status(TaskState.RUNNING, null, "started", now);
    }

    private TaskStatus end(Task task, TaskStatus status) {
        ended.put(task.id(), status);
        return status;
    }

    /** The dead man's switch: past its lease, the fenced processes are killed (and reported FAILED). */
    void fence(Instant now) {
        if (leaseUntil != null && !now.isAfter(leaseUntil)) {
            return;
        }
        for (Process process : List.copyOf(processes.values())) {
            if (process.fenced()) {
                processes.remove(process.taskId());
                fencedKills++;
                ended.put(process.taskId(), status(TaskState.FAILED, 137, "fenced", now)
                        .withError("fenced: node lost its lease with the managers"));
            }
        }
    }

    /** The process of a running task dies (exit code 1); the next round reports it. */
    void failProcess(String taskId, Instant now) {
        if (processes.remove(taskId) != null) {
            ended.put(taskId, status(TaskState.FAILED, 1, "exited", now).withError("exit code 1"));
        }
    }

    private static TaskStatus status(TaskState state, Integer exitCode, String message, Instant now) {
        return new TaskStatus(state, now, message, null, exitCode, exitCode == null && state == TaskState.RUNNING ? 1L : null,
                null, Map.of(), null);
    }
}
