package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;

/**
 * Specs → tasks: SwarmKit's replicated and global orchestrators, restart supervisor, updater and
 * task reaper in one pure pass. State and {@code now} in, commands out (at most one each of
 * UpdateTaskStatuses, SetDesiredStates, CreateTasks, DeleteTasks, in that order, after the service
 * verdicts: UpdateServiceStatus, RollbackService, RebalanceDone). On a converged
 * state it returns nothing, so it can run on every tick.
 *
 * <ul>
 *   <li>Replicated: slots 1..replicas each hold one active task (desired RUNNING, not ended);
 *       missing ones are created, slots above replicas are shut down.</li>
 *   <li>Global: one task per node that is READY, ACTIVE and matches driver and constraints,
 *       created already placed on it (slot 0). Drained or removed nodes, and nodes that no longer
 *       match, get their task shut down; nodes that are down, unknown or paused keep theirs.</li>
 *   <li>Restarts: see {@link RestartSupervisor}. The ended task gets desired SHUTDOWN and, when the
 *       policy allows, a replacement in the same slot with a backoff in {@code notBefore}.</li>
 *   <li>Drain: replicated tasks on a drained node are replaced elsewhere; with
 *       update_config.order start-first the drained task runs until its replacement is ready,
 *       otherwise it stops at once.</li>
 *   <li>Updates and rollbacks: see {@link RollingUpdate}.</li>
 *   <li>Rebalance (on request, or automatic by label): see {@link Rebalancer}.</li>
 *   <li>Tasks still assigned to a node that no longer exists are marked ORPHANED (nobody else will
 *       report on them), and then replaced.</li>
 *   <li>Bounded creation: a pass creates at most {@link #MAX_CREATES_PER_PASS} tasks to fill empty
 *       slots (slot order, services in id order); the slots beyond are {@link Pass#deferred deferred}
 *       to the next pass, which the control loop carries into its next scope.</li>
 *   <li>Reaping: at most {@value ServiceReconciler#HISTORY_PER_SLOT} ended tasks are kept per
 *       slot; ended tasks of removed slots and of removed services are deleted. A task that has
 *       not ended is never deleted.</li>
 * </ul>
 */
public final class Orchestrator {
    /**
     * A service with more changed slots than this, and more than a quarter of its slots, is walked
     * whole: a walk costs less than as many slot lookups (the pass after a big deploy touches every slot).
     */
    static final int WALK_THRESHOLD = 1_000;

    /**
     * Tasks one pass creates to fill empty slots, at most (as placement takes at most 50,000 per
     * pass): a deploy of a million replicas made one decision of ~1M tasks, whose entries held the
     * Raft log for minutes, with every node's status report queued behind them.
     */
    public static final int MAX_CREATES_PER_PASS = 50_000;

    private final Supplier<String> taskIds;
    private final int maxCreatesPerPass;

    public Orchestrator(Supplier<String> taskIds) {
        this(taskIds, MAX_CREATES_PER_PASS);
    }

    /** @param maxCreatesPerPass at most this many new tasks fill empty slots per pass; the rest are {@link Pass#deferred deferred} */
    public Orchestrator(Supplier<String> taskIds, int maxCreatesPerPass) {
        this.taskIds = Objects.requireNonNull(taskIds, "taskIds");
        if (maxCreatesPerPass < 1) {
            throw new IllegalArgumentException("maxCreatesPerPass must be positive: " + maxCreatesPerPass);
        }
        this.maxCreatesPerPass = maxCreatesPerPass;
    }

    /** A full pass: every service and slot. */
    public List<Command> reconcile(ClusterState state, Instant now) {
        return reconcile(state, now, ReconcileScope.all());
    }

    /**
     * A pass over {@code scope}: the same decisions a full pass makes for those services and slots.
     * Services with an update in progress or a rebalance to do are reconciled whole on every pass,
     * in scope or not (their decisions wait on time and on every slot, not on one slot's change).
     * The rest of the cluster is left alone: a full pass now and then (the control loop's) covers
     * anything a scope could miss.
     */
    public List<Command> reconcile(ClusterState state, Instant now, ReconcileScope scope) {
        return pass(state, now, scope).commands();
    }

    /**
     * A pass's commands, how many slots it visited (what its cost grows with), and the slots it
     * left empty because of the bound on creations: a caller that passes scopes must add those to
     * the next scope ({@link ChangeTracker#carry}), or they stay empty until the next full pass.
     */
    public record Pass(List<Command> commands, long slotsVisited, ReconcileScope deferred) {}

    /** A pass over {@code scope} (see {@link #reconcile(ClusterState, Instant, ReconcileScope)}), with what it deferred. */
    public Pass pass(ClusterState state, Instant now, ReconcileScope scope) {
        OrchestratorChanges changes = new OrchestratorChanges(now, taskIds, maxCreatesPerPass);
        Set<String> nodeIds = new TreeSet<>(scope.everything() ? state.nodeIdsWithTasks() : scope.nodes());
        for (String nodeId : nodeIds) {
            if (state.node(nodeId).isEmpty()) {
                for (Task task : state.tasksOfNode(nodeId)) {
                    if (!task.state().isTerminal() && task.state().compareTo(TaskState.ASSIGNED) >= 0) {
                        changes.orphan(task, "node " + task.nodeId() + " was removed");
                    }
                }
            }
        }
        Set<String> serviceIds = new TreeSet<>(scope.everything() ? state.serviceIdsWithTasks() : scope.serviceIds());
        for (Service service : state.services()) {
            if (scope.everything() || !ServiceReconciler.canScope(service)) {
                serviceIds.add(service.id());
            }
        }
        for (String serviceId : serviceIds) {
            Service service = state.service(serviceId).orElse(null);
            if (service == null) {
                for (Task task : state.tasksOfService(serviceId)) {
                    if (task.desiredState() == TaskState.RUNNING) {
                        changes.shutdown(task);
                    } else if (task.state().isTerminal() || task.state().compareTo(TaskState.ASSIGNED) < 0) {
                        changes.delete(task);
                    }
                }
                continue;
            }
            Set<Object> slots = scope.slots().getOrDefault(serviceId, Set.of());
            boolean whole = scope.everything() || scope.wholeServices().contains(serviceId)
                    || !ServiceReconciler.canScope(service)
                    || slots.size() > WALK_THRESHOLD && slots.size() > state.slotCount(serviceId) / 4;
            ServiceReconciler reconciler = new ServiceReconciler(state, service, changes);
            if (whole) {
                reconciler.run();
            } else {
                reconciler.run(slots, scope.slotsFrom().get(serviceId));
            }
        }
        return new Pass(changes.commands(), changes.slotsVisited(), changes.deferred());
    }
}
