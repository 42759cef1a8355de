package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.model.Command.Assignment;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Unassigned tasks → nodes. Pure: a state and {@code now} in, commands out; the caller applies
 * them. On a state with nothing to place (or nothing whose pending reason changed) it returns an
 * empty list, so calling it on every tick costs no log entries.
 *
 * <p>Candidates are tasks desired RUNNING, not yet ASSIGNED, whose {@code notBefore} has come.
 * Each is checked, in order, for its restart backoff, its dependencies, then nodes through the
 * {@link PlacementFilter}s; among feasible nodes the choice spreads: fewest tasks of the service
 * in the spread-preference label groups, then on the node, then fewest tasks overall, then node
 * id. Assignments made earlier in the same call count. A task that cannot be placed gets (once per
 * change of reason) a PENDING status whose {@code error} says why. Per task, {@link SlotRules} add
 * what its slot and volumes ask: the node holding its node-local volume, one fenced task of a slot
 * at a time, nodes that refused the slot's task lately, restart in place; a fenced task's
 * assignment carries the fencing environment ({@link Fencing}).
 *
 * <p>Candidates come from the state's index of unplaced tasks, at most {@link #DEFAULT_MAX_PER_PASS}
 * per call (the next call takes the rest). Cost: O(assigned tasks + nodes) to build usage, then per group of identical tasks (one service
 * version) O(nodes) for the static filters, and to choose: O(log nodes) per task for a group
 * without spread preferences ({@link NodeQueue}), O(feasible nodes) per task with them (one
 * assignment changes the rank of every node sharing its label value). Nodes that fail a dynamic
 * filter are dropped for the rest of the group (usage only grows within a call).
 */
public final class Scheduler {

    /**
     * At most this many tasks are considered per call by default: a deploy of a million replicas is
     * placed in bounded steps (each one a bounded set of Raft entries the agents can start on) rather
     * than in one decision that holds the loop for seconds.
     */
    public static final int DEFAULT_MAX_PER_PASS = 50_000;

    /** False: choose by a scan of every feasible node even without spread preferences (the reference, for tests). */
    private final boolean rankedChoice;
    private final int maxPerPass;
    /** The agents' lease: with on_node_loss: recreate, a task bound to a lost node's volume moves after it. */
    private final Duration lease;

    public Scheduler() {
        this(true, DEFAULT_MAX_PER_PASS);
    }

    /** @param lease the lease the leader grants agents (ManagerConfig.leaseTtl) */
    public Scheduler(Duration lease) {
        this(true, DEFAULT_MAX_PER_PASS, lease);
    }

    Scheduler(boolean rankedChoice) {
        this(rankedChoice, DEFAULT_MAX_PER_PASS);
    }

    /** A scheduler that considers at most {@code maxPerPass} tasks per {@link #place} call. */
    public Scheduler(boolean rankedChoice, int maxPerPass) {
        this(rankedChoice, maxPerPass, Fencing.DEFAULT_LEASE);
    }

    public Scheduler(boolean rankedChoice, int maxPerPass, Duration lease) {
        this.lease = java.util.Objects.requireNonNull(lease, "lease");
        if (maxPerPass < 1) {
            throw new IllegalArgumentException("maxPerPass must be positive: " + maxPerPass);
        }
        this.rankedChoice = rankedChoice;
        this.maxPerPass = maxPerPass;
    }

    public List<Command> place(ClusterState state, Instant now) {
        List<Task> candidates = candidates(state, maxPerPass);
        if (candidates.isEmpty()) {
            return List.of(); // nothing to place: no walk over every assigned task for the usage
        }
        Map<String, NodeUsage> usage = usage(state);
        List<NodeUsage> allNodes = new ArrayList<>(usage.values());
        allNodes.sort(Comparator.comparing(NodeUsage::id));

        Map<String, List<Task>> groups = new LinkedHashMap<>();
        for (Task task : candidates) {
            groups.computeIfAbsent(task.serviceId() + "#" + task.serviceVersion(), k -> new ArrayList<>()).add(task);
        }

        Dependencies dependencies = new Dependencies(state);
        SlotRules slotRules = new SlotRules(state, now, lease);
        List<Assignment> assignments = new ArrayList<>();
        List<Command.TaskStatusUpdate> pending = new ArrayList<>();
        for (List<Task> group : groups.values()) {
            Service service = state.service(group.getFirst().serviceId()).orElseThrow();
            List<Task> addressed = withAddresses(state, group, now, pending);
            if (!addressed.isEmpty()) {
                new GroupPlacement(service, addressed, allNodes, usage, dependencies, now, assignments, pending,
                        rankedChoice, slotRules).run();
            }
        }

        List<Command> commands = new ArrayList<>(2);
        if (!assignments.isEmpty()) {
            commands.add(new Command.AssignTasks(assignments, now));
        }
        if (!pending.isEmpty()) {
            commands.add(new Command.UpdateTaskStatuses(null, pending));
        }
        return commands;
    }

    /**
     * Tasks to place, pre-placed (global) ones first since they have no choice, then by service and
     * slot ({@link ClusterState#PLACEMENT_ORDER}): the first {@code limit} of the state's index of
     * unplaced tasks, without a walk over every task.
     */
    static List<Task> candidates(ClusterState state, int limit) {
        List<Task> candidates = new ArrayList<>(Math.min(limit, state.unplacedTasks().size()));
        for (Task task : state.unplacedTasks()) {
            if (candidates.size() >= limit) {
                break;
            }
            if (state.service(task.serviceId()).isPresent()) {
                candidates.add(task);
            }
        }
        return candidates;
    }

    /**
     * The tasks of {@code group} that hold an address on each of their networks; the others stay
     * pending with the reason (an exhausted subnet: until a task on it ends, see docs/networks.md).
     */
    private static List<Task> withAddresses(ClusterState state, List<Task> group, Instant now,
                                            List<Command.TaskStatusUpdate> pending) {
        if (group.getFirst().spec().networks().isEmpty()) {
            return group;
        }
        List<Task> addressed = new ArrayList<>(group.size());
        for (Task task : group) {
            String missing = state.networks().missingAddress(task);
            if (missing == null) {
                addressed.add(task);
            } else {
                markPending(task, missing, now, pending);
            }
        }
        return addressed;
    }

    /** What each node already holds: tasks assigned there (state ≥ ASSIGNED) that have not ended. */
    static Map<String, NodeUsage> usage(ClusterState state) {
        Map<String, NodeUsage> usage = new HashMap<>();
        Map<String, java.util.Set<String>> portsByService = new HashMap<>(); // once per service, not per task
        for (Node node : state.nodes()) {
            NodeUsage nodeUsage = new NodeUsage(node);
            usage.put(node.id(), nodeUsage);
            for (Task task : state.tasksOfNode(node.id())) {
                if (task.state().compareTo(TaskState.ASSIGNED) >= 0 && !task.state().isTerminal()) {
                    java.util.Set<String> ports = portsByService.computeIfAbsent(task.serviceId(), id -> state.service(id)
                            .map(service -> PlacementRequest.hostPorts(service.spec())).orElse(java.util.Set.of()));
                    nodeUsage.add(task.serviceId(), task.spec().resources().reservations(), ports);
                }
            }
        }
        return usage;
    }

    static String backoffReason(Task task) {
        Duration wait = task.createdAt() == null ? Duration.ZERO : Duration.between(task.createdAt(), task.notBefore());
        return "waiting " + format(wait) + " before restart (backoff)";
    }

    static String format(Duration duration) {
        long seconds = Math.max(0, duration.toSeconds());
        if (seconds < 60 || seconds % 60 != 0) {
            return seconds + "s";
        }
        return (seconds / 60) + "m";
    }

    static void markPending(Task task, String reason, Instant now, List<Command.TaskStatusUpdate> out) {
        if (task.state() == TaskState.PENDING && reason.equals(task.status().error())) {
            return;
        }
        out.add(new Command.TaskStatusUpdate(task.id(),
                new TaskStatus(TaskState.PENDING, now, "pending", reason, null, null, null, Map.of(), null)));
    }
}
