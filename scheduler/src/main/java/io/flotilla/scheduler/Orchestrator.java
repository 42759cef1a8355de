package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
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
 *   <li>Reaping: at most {@value ServiceReconciler#HISTORY_PER_SLOT} ended tasks are kept per
 *       slot; ended tasks of removed slots and of removed services are deleted. A task that has
 *       not ended is never deleted.</li>
 * </ul>
 */
public final class Orchestrator {
    private final Supplier<String> taskIds;

    public Orchestrator(Supplier<String> taskIds) {
        this.taskIds = Objects.requireNonNull(taskIds, "taskIds");
    }

    public List<Command> reconcile(ClusterState state, Instant now) {
        OrchestratorChanges changes = new OrchestratorChanges(now, taskIds);
        for (Task task : state.tasks()) {
            if (task.nodeId() != null && !task.state().isTerminal()
                    && task.state().compareTo(TaskState.ASSIGNED) >= 0 && state.node(task.nodeId()).isEmpty()) {
                changes.orphan(task, "node " + task.nodeId() + " was removed");
            }
            if (state.service(task.serviceId()).isEmpty()) {
                if (task.desiredState() == TaskState.RUNNING) {
                    changes.shutdown(task);
                } else if (task.state().isTerminal() || task.state().compareTo(TaskState.ASSIGNED) < 0) {
                    changes.delete(task);
                }
            }
        }
        List<Service> services = new ArrayList<>(state.services());
        services.sort(Comparator.comparing(Service::id));
        for (Service service : services) {
            new ServiceReconciler(state, service, changes).run();
        }
        return changes.commands();
    }
}
