package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The changes one reconcile pass decides, batched into at most one command of each kind.
 *
 * <p>Filling empty slots is bounded: once the pass has created {@code maxCreates} tasks, the
 * slots it would fill next are <em>deferred</em> (see {@link #deferred}) for the control loop to
 * carry into its next pass. A deploy of a million replicas then becomes passes of bounded
 * entries, as placement is bounded, instead of one decision that holds the Raft log for minutes.
 */
final class OrchestratorChanges {
    private final Instant now;
    private final Supplier<String> taskIds;
    private final int maxCreates;
    private final Map<String, Set<Object>> deferredSlots = new HashMap<>();
    private final Set<String> deferredServices = new HashSet<>();
    private final Map<String, Integer> deferredFrom = new HashMap<>();
    private final List<Command.TaskStatusUpdate> statusUpdates = new ArrayList<>();
    private final Set<String> shutdowns = new LinkedHashSet<>();
    private final List<Task> creates = new ArrayList<>();
    private final Set<String> deletes = new LinkedHashSet<>();
    private final List<Command> serviceCommands = new ArrayList<>();
    private Map<String, NodeUsage> usage;
    private long slotsVisited;

    OrchestratorChanges(Instant now, Supplier<String> taskIds, int maxCreates) {
        this.now = now;
        this.taskIds = taskIds;
        this.maxCreates = maxCreates;
    }

    Instant now() {
        return now;
    }

    void slotVisited() {
        slotsVisited++;
    }

    long slotsVisited() {
        return slotsVisited;
    }

    void shutdown(Task task) {
        if (task.desiredState() != TaskState.SHUTDOWN) {
            shutdowns.add(task.id());
        }
    }

    void delete(Task task) {
        deletes.add(task.id());
    }

    void orphan(Task task, String reason) {
        statusUpdates.add(new Command.TaskStatusUpdate(task.id(),
                new TaskStatus(TaskState.ORPHANED, now, "orphaned", reason, null, null, null, Map.of(), null)));
    }

    /** The update of {@code service} (at its current version) moves to {@code status}. */
    void updateStatus(Service service, ServiceUpdateStatus status) {
        serviceCommands.add(new Command.UpdateServiceStatus(service.id(), service.version(), status));
    }

    /** Automatic rollback of {@code service} (at its current version) to its previous spec. */
    void rollback(Service service, String reason) {
        serviceCommands.add(new Command.RollbackService(service.id(), service.version(), now, reason));
    }

    void rebalanceDone(Service service) {
        serviceCommands.add(new Command.RebalanceDone(service.id(), service.rebalanceRequestedAt()));
    }

    /**
     * What each node holds (as the scheduler counts it), built once per pass on first use; the
     * rebalancer adds the moves it decides, so later services of the same pass see them.
     */
    Map<String, NodeUsage> usage(ClusterState state) {
        if (usage == null) {
            usage = Scheduler.usage(state);
        }
        return usage;
    }

    /**
     * Fills an empty slot with a new task, or defers it to a later pass when this pass has created
     * its share of tasks already. Returns whether it created the task.
     */
    boolean fill(Service service, Slot slot, int restartCount, Instant notBefore) {
        if (creates.size() >= maxCreates) {
            defer(service.id(), ClusterState.slotKey(slot.number(), slot.nodeId()));
            return false;
        }
        create(service, slot, restartCount, notBefore);
        return true;
    }

    /** True once this pass has created its share of tasks: every empty slot it meets now is deferred. */
    boolean creationsSpent() {
        return creates.size() >= maxCreates;
    }

    /**
     * Defers every slot of replicated {@code serviceId} numbered {@code from} or more: a pass
     * walking a slot range stops at its first empty slot once its creations are spent (the
     * slots after it are empty, or changed and so in the scope by key).
     */
    void deferFrom(String serviceId, int from) {
        deferredFrom.merge(serviceId, from, Math::min);
        Set<Object> slots = deferredSlots.get(serviceId);
        if (slots != null) {
            slots.removeIf(key -> key instanceof Integer number && number >= from);
            if (slots.isEmpty()) {
                deferredSlots.remove(serviceId);
            }
        }
    }

    private void defer(String serviceId, Object slotKey) {
        if (deferredServices.contains(serviceId)) {
            return;
        }
        Integer from = deferredFrom.get(serviceId);
        if (from != null && slotKey instanceof Integer number && number >= from) {
            return;
        }
        Set<Object> slots = deferredSlots.computeIfAbsent(serviceId, s -> new HashSet<>());
        slots.add(slotKey);
        if (slots.size() > Orchestrator.WALK_THRESHOLD) {
            if (slots.stream().allMatch(Integer.class::isInstance)) {
                // A replicated service: carry the range from its first deferred slot, so that the
                // next pass walks only as many slots as it can fill, not the whole service (at a
                // million replicas a whole walk cost 2-10 s per pass).
                int first = slots.stream().mapToInt(key -> (Integer) key).min().orElseThrow();
                deferredSlots.remove(serviceId);
                deferFrom(serviceId, first);
            } else { // a global service's slots are nodes: the next pass walks the service
                deferredSlots.remove(serviceId);
                deferredServices.add(serviceId);
            }
        }
    }

    /** The slots left empty because of the bound on creations: the next pass must look at them. */
    ReconcileScope deferred() {
        return deferredSlots.isEmpty() && deferredServices.isEmpty() && deferredFrom.isEmpty() ? ReconcileScope.nothing()
                : new ReconcileScope(false, deferredServices, deferredSlots, Set.of(), deferredFrom);
    }

    /**
     * A new task of {@code service}'s current version in {@code slot}, never deferred: rolling
     * updates and rebalance moves are bounded by their own batch sizes, and a half-done move must
     * not be split from its stop.
     */
    Task create(Service service, Slot slot, int restartCount, Instant notBefore) {
        String nodeId = slot.number() == 0 ? slot.nodeId() : null;
        Task task = new Task(taskIds.get(), service.id(), service.spec().name(), slot.number(), service.version(), nodeId,
                TaskState.RUNNING, TaskStatus.of(TaskState.NEW, now, "created"), service.spec().task(), now, notBefore,
                restartCount, TaskAllocation.NONE);
        creates.add(task);
        return task;
    }

    /**
     * Service verdicts first (update status, rollback, rebalance done), then status fixes (they
     * inform the rest), then stops, then new tasks, then deletions.
     */
    List<Command> commands() {
        List<Command> commands = new ArrayList<>(serviceCommands);
        if (!statusUpdates.isEmpty()) {
            commands.add(new Command.UpdateTaskStatuses(null, statusUpdates));
        }
        if (!shutdowns.isEmpty()) {
            commands.add(new Command.SetDesiredStates(shutdowns.stream()
                    .map(id -> new Command.DesiredStateChange(id, TaskState.SHUTDOWN)).toList(), now));
        }
        if (!creates.isEmpty()) {
            commands.add(new Command.CreateTasks(creates));
        }
        if (!deletes.isEmpty()) {
            commands.add(new Command.DeleteTasks(List.copyOf(deletes)));
        }
        return commands;
    }
}
