package io.flotilla.scheduler;

import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
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
 *
 * <p>Within a WANTED slot the <em>primary</em> is the newest active task that is up to date (see
 * {@link #isCurrent}) and not on a drained node. When the primary is ready every other active task
 * of the slot is shut down; until then one older task may <em>stand in</em> for it: that is how
 * start-first works for updates, drains and rebalance moves alike (the replacement is created
 * first, the old task stopped once the replacement runs and is healthy). A decision that is
 * stop-first shuts the old task down in the same pass, so it never stands in. A fenced service
 * ({@link Fencing}) is always stop-first: its slot never runs two tasks at once, and the scheduler
 * places the replacement only once the old task has ended.
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

    private final ClusterState state;
    private final Service service;
    private final OrchestratorChanges out;
    private final PlacementRequest globalRequest;
    private final boolean inRollback;
    /** Whether the service's slots are fenced ({@link Fencing}): a replacement never runs beside the old task. */
    private final boolean fenced;
    /** Of {@link #stopping}: tasks of wanted slots of a service that is not fenced, asked to stop in an earlier pass. */
    private int draining;
    private final List<UpdateCandidate> updateCandidates = new ArrayList<>();
    /** Ready primaries, by slot: what a rebalance may move. */
    private final List<Task> readyPrimaries = new ArrayList<>();
    private int wantedSlots;
    private int currentNotReady;
    private int standIns;
    private int stopping;
    private Instant lastReadyAt;

    ServiceReconciler(ClusterState state, Service service, OrchestratorChanges out) {
        this.state = state;
        this.service = service;
        this.out = out;
        this.globalRequest = service.spec().mode() == ServiceMode.GLOBAL
                ? PlacementRequest.of(service, service.spec().task()) : null;
        ServiceUpdateStatus status = service.updateStatus();
        this.inRollback = status != null && status.state().rollback();
        this.fenced = Fencing.fenced(service.spec(), service.spec().task());
    }

    /**
     * True if a pass may reconcile only some slots of {@code service}: no update in progress (or of
     * unknown state, in an older state), no rebalance requested or automatic. Then every decision
     * is a slot's own, and the service-wide ones (update batches, rebalance moves) have nothing to do.
     */
    static boolean canScope(Service service) {
        ServiceUpdateStatus status = service.updateStatus();
        boolean updating = status == null ? service.version() > 1 : status.state().inProgress();
        return !updating && service.rebalanceRequestedAt() == null
                && !"auto".equals(service.spec().labels().get(Rebalancer.AUTO_LABEL));
    }

    /** Reconciles only the given slots (keys as {@link ClusterState#slotKey}); see {@link #canScope}. */
    void run(java.util.Collection<Object> slotKeys) {
        run(slotKeys, null);
    }

    /**
     * Reconciles the given slots and, for a replicated service, the range of slots numbered
     * {@code from} up to its replicas, all in slot order (as a whole walk fills them). The range
     * is walked only until the pass's creations are spent: at the first empty slot after that, the
     * rest of the range is deferred whole ({@link OrchestratorChanges#deferFrom}), so a pass over a
     * million-slot deploy costs the slots it fills. Slots of the range not walked are empty, or
     * changed since and so named in {@code slotKeys}.
     *
     * @param from null: no range
     */
    void run(java.util.Collection<Object> slotKeys, Integer from) {
        boolean global = service.spec().mode() == ServiceMode.GLOBAL;
        TreeMap<Slot, List<Task>> slots = new TreeMap<>();
        for (Object key : slotKeys) {
            Slot slot = key instanceof Integer number ? Slot.replicated(number) : Slot.global((String) key);
            if (global == (slot.number() == 0)) {
                slots.put(slot, new ArrayList<>(state.tasksOfSlot(service.id(), key)));
            }
        }
        int next = from == null || global ? Integer.MAX_VALUE : Math.max(1, from);
        int last = service.spec().replicas();
        for (Map.Entry<Slot, List<Task>> entry : slots.entrySet()) {
            next = walkRange(next, last, entry.getKey().number());
            reconcileSlot(entry.getKey(), entry.getValue(), mode(entry.getKey()));
            if (entry.getKey().number() == next) {
                next++;
            }
        }
        walkRange(next, last, Integer.MAX_VALUE);
    }

    /** Walks range slots {@code next} .. min(last, before - 1) not named by key; returns the next one, MAX_VALUE once stopped. */
    private int walkRange(int next, int last, int before) {
        while (next <= last && next < before) {
            List<Task> tasks = state.tasksOfSlot(service.id(), next);
            if (tasks.isEmpty() && out.creationsSpent()) {
                out.deferFrom(service.id(), next);
                return Integer.MAX_VALUE;
            }
            Slot slot = Slot.replicated(next);
            reconcileSlot(slot, new ArrayList<>(tasks), mode(slot));
            next++;
        }
        return next;
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
        boolean settled = currentNotReady == 0 && standIns == 0 && stopping == 0;
        // A task asked to stop in a pass before is out of the registry and only drains (1 s for a
        // service with ports, TaskStopper): the next batch need not wait for it to end, unless
        // the service is fenced (a replacement must never run beside the task it replaces).
        boolean readyForBatch = currentNotReady == 0 && standIns == 0 && stopping == draining;
        new RollingUpdate(service, updateCandidates, wantedSlots, readyForBatch, settled, lastReadyAt, state, out).run();
        if (!global && settled && updateCandidates.isEmpty()) {
            new Rebalancer(state, service, readyPrimaries, lastReadyAt, out).run();
        }
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
        out.slotVisited();
        tasks.sort(AGE);
        List<Task> active = new ArrayList<>();
        for (Task task : tasks) {
            if (task.desiredState() != TaskState.RUNNING) {
                if (!task.state().isTerminal() && task.state().compareTo(TaskState.ASSIGNED) >= 0) {
                    stopping++; // asked to stop, not reported stopped yet
                    if (!fenced && mode == Mode.WANTED) {
                        draining++;
                    }
                }
                continue;
            }
            if (task.state().isTerminal() || mode == Mode.REMOVE) {
                out.shutdown(task); // ended (restart decided below), or no longer wanted here
            } else {
                active.add(task);
            }
        }
        retainHistory(tasks, mode == Mode.REMOVE ? 0 : HISTORY_PER_SLOT);
        if (mode != Mode.WANTED) {
            return;
        }
        wantedSlots++;
        if (active.isEmpty()) {
            replace(slot, tasks.isEmpty() ? null : tasks.getLast());
            return;
        }
        if (fenced && active.size() > 1) {
            // Two live tasks of a fenced slot are never decided on purpose (a replacement comes only
            // once the old task ended, and the scheduler places one at a time): if there are, the
            // most advanced stays and the others stop now, not once it is ready (no stand-in here).
            Task keep = mostAdvanced(active);
            active.stream().filter(t -> t != keep).forEach(out::shutdown);
            stopping += active.size() - 1;
            active = new ArrayList<>(List.of(keep));
        }
        Task primary = null;
        for (Task task : active) {
            if (isCurrent(task) && !onDrainedNode(task)) {
                primary = task; // active is oldest first: the newest wins
            }
        }
        if (primary != null) {
            settle(primary, active);
            return;
        }
        List<Task> drained = active.stream().filter(this::onDrainedNode).toList();
        List<Task> outdated = active.stream().filter(t -> !onDrainedNode(t)).toList();
        if (!outdated.isEmpty()) {
            Task keep = mostAdvanced(outdated);
            active.stream().filter(t -> t != keep).forEach(out::shutdown);
            updateCandidates.add(new UpdateCandidate(slot, keep, tasks.getLast()));
            return;
        }
        moveOffDrainedNode(slot, tasks, drained);
    }

    /** The slot has an up-to-date primary: the others stop once it is ready; one stands in until then. */
    private void settle(Task primary, List<Task> active) {
        List<Task> others = active.stream().filter(t -> t != primary).toList();
        if (isReady(primary)) {
            others.forEach(out::shutdown);
            stopping += others.size(); // stopped by this pass: not settled until they are reported ended
            readyPrimaries.add(primary);
            lastReadyAt = lastReadyAt == null || primary.status().timestamp().isAfter(lastReadyAt)
                    ? primary.status().timestamp() : lastReadyAt;
            return;
        }
        currentNotReady++;
        if (others.isEmpty()) {
            return;
        }
        Task standIn = null;
        for (Task other : others) {
            if (standIn == null || isReady(other) && !isReady(standIn)
                    || isReady(other) == isReady(standIn) && other.state().compareTo(standIn.state()) > 0) {
                standIn = other;
            }
        }
        Task kept = standIn;
        others.stream().filter(t -> t != kept).forEach(out::shutdown);
        standIns++;
    }

    /**
     * Every active task of the slot is on a drained node: start a replacement elsewhere. With
     * update_config.order start-first the drained task keeps running until its replacement is
     * ready; otherwise it stops now.
     */
    private void moveOffDrainedNode(Slot slot, List<Task> tasks, List<Task> drained) {
        Task keep = mostAdvanced(drained);
        drained.stream().filter(t -> t != keep).forEach(out::shutdown);
        if ("start-first".equals(service.spec().updateConfig().order()) && !Fencing.fenced(service.spec(), service.spec().task())) {
            standIns++;
        } else {
            out.shutdown(keep);
        }
        currentNotReady++;
        Task newestElsewhere = null;
        for (Task task : tasks) {
            if (!drained.contains(task)) {
                newestElsewhere = task;
            }
        }
        replace(slot, newestElsewhere);
    }

    /**
     * Fills an empty slot: a fresh task, or the replacement the restart policy allows, or nothing;
     * deferred to the next pass once the pass has created its bounded share (see {@link OrchestratorChanges#fill}).
     */
    private void replace(Slot slot, Task newest) {
        if (newest == null || !isCurrent(newest) || !newest.state().isTerminal()) {
            out.fill(service, slot, 0, null);
            return;
        }
        RestartDecision decision = RestartSupervisor.decide(newest, out.now());
        if (decision.restart()) {
            out.fill(service, slot, decision.restartCount(), decision.notBefore());
        }
        // else: the slot is finished (restart condition or max_attempts): it stays empty on every pass
    }

    /**
     * Up to date: made from the service's current version — or, during a rollback, running the
     * very template rolled back to (tasks the failed update never reached are kept, as in Swarm).
     */
    private boolean isCurrent(Task task) {
        return task.serviceVersion() == service.version()
                || inRollback && task.spec().equals(service.spec().task());
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
