package io.flotilla.scheduler;

import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.UpdateConfig;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reconciles one service's tasks with its spec, slot by slot (see {@link Orchestrator} for the
 * rules). A slot is filled by an <em>active</em> task: desired RUNNING and not ended. Each slot is
 * in one of three modes:
 * <ul>
 *   <li>WANTED: keep one active task there, replacing ended ones per the restart policy;</li>
 *   <li>KEEP: leave running tasks alone but create none (a global service on a node that is down,
 *       unknown or paused: the dispatcher orphans tasks of a lost node, and pause keeps tasks);</li>
 *   <li>REMOVE: shut every task down (slots above the replica count; a global service on a node
 *       that is drained, gone, or no longer matches its constraints or driver).</li>
 * </ul>
 */
final class ServiceReconciler {
    /** Terminal tasks kept per slot for {@code service ps} (Swarm's task history retention). */
    static final int HISTORY_PER_SLOT = 5;

    /** Newest last: by creation, then restart count, then id. */
    static final Comparator<Task> AGE = Comparator
            .comparing((Task t) -> t.createdAt() == null ? Instant.MIN : t.createdAt())
            .thenComparingInt(Task::restartCount)
            .thenComparing(Task::id);

    private enum Mode { WANTED, KEEP, REMOVE }

    /** A slot whose only active task is of an older version. */
    private record UpdateCandidate(Slot slot, Task outdated, Task newest) {}

    private final ClusterState state;
    private final Service service;
    private final OrchestratorChanges out;
    private final PlacementRequest globalRequest;
    private final List<UpdateCandidate> updateCandidates = new ArrayList<>();
    private int currentNotReady;
    private Instant lastReadyAt;

    ServiceReconciler(ClusterState state, Service service, OrchestratorChanges out) {
        this.state = state;
        this.service = service;
        this.out = out;
        this.globalRequest = service.spec().mode() == ServiceMode.GLOBAL
                ? PlacementRequest.of(service, service.spec().task()) : null;
    }

    void run() {
        Map<Slot, List<Task>> slots = new TreeMap<>();
        boolean global = service.spec().mode() == ServiceMode.GLOBAL;
        for (Task task : state.tasksOfService(service.id())) {
            Slot slot = global ? Slot.global(task.nodeId()) : Slot.replicated(task.slot());
            slots.computeIfAbsent(slot, s -> new ArrayList<>()).add(task);
        }
        if (global) {
            for (Node node : state.nodes()) {
                slots.computeIfAbsent(Slot.global(node.id()), s -> new ArrayList<>());
            }
        } else {
            for (int number = 1; number <= service.spec().replicas(); number++) {
                slots.computeIfAbsent(Slot.replicated(number), s -> new ArrayList<>());
            }
        }
        for (Map.Entry<Slot, List<Task>> entry : slots.entrySet()) {
            reconcileSlot(entry.getKey(), entry.getValue(), mode(entry.getKey()));
        }
        rollingUpdate();
    }

    private Mode mode(Slot slot) {
        if (service.spec().mode() == ServiceMode.REPLICATED) {
            return slot.number() >= 1 && slot.number() <= service.spec().replicas() ? Mode.WANTED : Mode.REMOVE;
        }
        Node node = state.node(slot.nodeId()).orElse(null);
        if (node == null || node.spec().availability() == NodeAvailability.DRAIN) {
            return Mode.REMOVE;
        }
        NodeUsage usage = new NodeUsage(node);
        if (!new PlacementFilter.DriverAvailable().check(globalRequest, usage)
                || !new PlacementFilter.ConstraintsMatch().check(globalRequest, usage)) {
            return Mode.REMOVE;
        }
        if (node.status().state() != NodeState.READY || node.spec().availability() != NodeAvailability.ACTIVE) {
            return Mode.KEEP;
        }
        return Mode.WANTED;
    }

    private void reconcileSlot(Slot slot, List<Task> tasks, Mode mode) {
        tasks.sort(AGE);
        List<Task> active = new ArrayList<>();
        for (Task task : tasks) {
            if (task.desiredState() != TaskState.RUNNING) {
                continue;
            }
            if (task.state().isTerminal() || mode == Mode.REMOVE || onDrainedNode(task)) {
                out.shutdown(task); // ended (restart decided below), or no longer wanted here
            } else {
                active.add(task);
            }
        }
        retainHistory(tasks, mode == Mode.REMOVE ? 0 : HISTORY_PER_SLOT);
        if (mode != Mode.WANTED) {
            return;
        }
        Task newest = tasks.isEmpty() ? null : tasks.getLast();
        if (active.isEmpty()) {
            replace(slot, newest);
            return;
        }
        List<Task> current = new ArrayList<>();
        List<Task> outdated = new ArrayList<>();
        for (Task task : active) {
            (task.serviceVersion() == service.version() ? current : outdated).add(task);
        }
        if (current.isEmpty()) {
            Task keep = mostAdvanced(outdated);
            outdated.stream().filter(t -> t != keep).forEach(out::shutdown);
            updateCandidates.add(new UpdateCandidate(slot, keep, newest));
            return;
        }
        Task keep = mostAdvanced(current);
        current.stream().filter(t -> t != keep).forEach(out::shutdown); // never two copies of a slot
        boolean keepReady = isReady(keep);
        if (keepReady) {
            lastReadyAt = lastReadyAt == null || keep.status().timestamp().isAfter(lastReadyAt)
                    ? keep.status().timestamp() : lastReadyAt;
        } else {
            currentNotReady++;
        }
        // start-first keeps the old task until its replacement is ready
        boolean keepOneOld = !keepReady && "start-first".equals(service.spec().updateConfig().order());
        Task newestOutdated = outdated.isEmpty() ? null : outdated.getLast();
        for (Task old : outdated) {
            if (!(keepOneOld && old == newestOutdated)) {
                out.shutdown(old);
            }
        }
    }

    /** Fills an empty slot: a fresh task, or the replacement the restart policy allows, or nothing. */
    private void replace(Slot slot, Task newest) {
        if (newest == null || newest.serviceVersion() != service.version() || !newest.state().isTerminal()) {
            out.create(service, slot, 0, null);
            return;
        }
        RestartDecision decision = RestartSupervisor.decide(newest, out.now());
        if (decision.restart()) {
            out.create(service, slot, decision.restartCount(), decision.notBefore());
        }
        // else: the slot is finished (restart condition or max_attempts): it stays empty on every pass
    }

    /**
     * Replaces outdated tasks in batches of {@code parallelism} (0: all at once). A batch starts only
     * when every task of the current version is RUNNING (and healthy when it reports health) and
     * {@code delay} has passed since the last of them reported so (its status timestamp: a later
     * health refresh only delays the next batch). stop-first shuts the old task down as it creates
     * the new one; start-first creates the new one and shuts the old down once the new is ready.
     * A replacement that keeps failing stalls the update (its slot never becomes ready): that is
     * failure_action "pause". TODO(rollback): failure_action rollback/continue, monitor and
     * max_failure_ratio, and rollback_config are a later issue.
     */
    private void rollingUpdate() {
        if (updateCandidates.isEmpty() || currentNotReady > 0) {
            return;
        }
        UpdateConfig config = service.spec().updateConfig();
        if (lastReadyAt != null && out.now().isBefore(lastReadyAt.plus(config.delay()))) {
            return;
        }
        int batch = config.parallelism() == 0 ? updateCandidates.size()
                : Math.min(config.parallelism(), updateCandidates.size());
        boolean stopFirst = !"start-first".equals(config.order());
        int started = 0;
        for (UpdateCandidate candidate : updateCandidates) {
            if (started == batch) {
                break;
            }
            Task newest = candidate.newest();
            if (newest != null && newest.serviceVersion() == service.version() && newest.state().isTerminal()) {
                // an earlier attempt at the new version ended in this slot (start-first): back off
                RestartDecision decision = RestartSupervisor.decide(newest, out.now());
                if (!decision.restart()) {
                    continue;
                }
                out.create(service, candidate.slot(), decision.restartCount(), decision.notBefore());
            } else {
                out.create(service, candidate.slot(), 0, null);
            }
            if (stopFirst) {
                out.shutdown(candidate.outdated());
            }
            started++;
        }
    }

    private void retainHistory(List<Task> tasksOldestFirst, int keep) {
        int terminalSeen = 0;
        for (int i = tasksOldestFirst.size() - 1; i >= 0; i--) {
            Task task = tasksOldestFirst.get(i);
            if (!task.state().isTerminal()) {
                continue;
            }
            terminalSeen++;
            if (terminalSeen > keep && task.desiredState() != TaskState.RUNNING) {
                out.delete(task);
            }
        }
    }

    private boolean onDrainedNode(Task task) {
        if (task.nodeId() == null || service.spec().mode() == ServiceMode.GLOBAL) {
            return false;
        }
        return state.node(task.nodeId()).map(n -> n.spec().availability() == NodeAvailability.DRAIN).orElse(false);
    }

    static boolean isReady(Task task) {
        String health = task.status().health();
        return task.state() == TaskState.RUNNING && (health == null || "healthy".equals(health));
    }

    private static Task mostAdvanced(List<Task> tasks) {
        Task best = tasks.getFirst();
        for (Task task : tasks) {
            if (task.state().compareTo(best.state()) > 0
                    || (task.state() == best.state() && AGE.compare(task, best) > 0)) {
                best = task;
            }
        }
        return best;
    }
}
