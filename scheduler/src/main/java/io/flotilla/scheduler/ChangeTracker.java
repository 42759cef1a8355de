package io.flotilla.scheduler;

import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.state.Changes;
import io.flotilla.state.ClusterState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Follows the applied log (the state machine's change feed) and gathers what changed since the
 * last {@link #drain}: the services whose spec or status changed, the slots whose tasks changed,
 * the nodes that changed (and with them the slots of their tasks and, for global services, the
 * slot on that node). The leader's control loop reconciles only that scope; see
 * {@link ReconcileScope}. What each command changed is apply's answer ({@link Changes}): this
 * class knows no command.
 *
 * <p>Not thread-safe: the caller feeds and drains it under one lock. Pure bookkeeping: it reads
 * only the changes and the states it is given.
 */
public final class ChangeTracker {
    private boolean everything = true;
    private final Set<String> wholeServices = new HashSet<>();
    private final Map<String, Set<Object>> slots = new HashMap<>();
    private final Set<String> nodes = new HashSet<>();
    private final Map<String, Integer> slotsFrom = new HashMap<>();

    /** Something unknown happened (a snapshot was loaded, leadership changed): the next scope is everything. */
    public void reset() {
        everything = true;
        wholeServices.clear();
        slots.clear();
        nodes.clear();
        slotsFrom.clear();
    }

    /** Takes the scope gathered so far and starts a new one. */
    public ReconcileScope drain() {
        ReconcileScope scope = everything ? ReconcileScope.all()
                : new ReconcileScope(false, wholeServices, slots, nodes, slotsFrom);
        everything = false;
        wholeServices.clear();
        slots.clear();
        nodes.clear();
        slotsFrom.clear();
        return scope;
    }

    /**
     * Adds what a pass deferred (slots it left empty because of its bound on creations) to the
     * next scope: they changed nothing in the log, so nothing else would bring them back before
     * the next full pass.
     */
    public void carry(ReconcileScope deferred) {
        if (everything || deferred.isEmpty()) {
            return;
        }
        if (deferred.everything()) {
            reset();
            return;
        }
        wholeServices.addAll(deferred.wholeServices());
        deferred.slots().forEach((service, keys) -> slots.computeIfAbsent(service, s -> new HashSet<>()).addAll(keys));
        nodes.addAll(deferred.nodes());
        deferred.slotsFrom().forEach((service, from) -> slotsFrom.merge(service, from, Math::min));
    }

    /**
     * Records what one applied command changed ({@link Changes}, from apply): its services whole,
     * its slots, and for each node that changed the slots of its tasks and its slot of every global
     * service ({@code after} is the state the command made).
     */
    public void applied(Changes changes, ClusterState after) {
        if (everything) {
            return; // the next scope is everything anyway
        }
        wholeServices.addAll(changes.services());
        changes.slots().forEach((service, keys) -> slots.computeIfAbsent(service, s -> new HashSet<>()).addAll(keys));
        for (String nodeId : changes.nodes()) {
            node(after, nodeId);
        }
    }

    private void slotOf(Task task) {
        slots.computeIfAbsent(task.serviceId(), s -> new HashSet<>()).add(ClusterState.slotKey(task));
    }

    private void node(ClusterState after, String nodeId) {
        nodes.add(nodeId);
        after.tasksOfNode(nodeId).forEach(this::slotOf);
        for (Service service : after.services()) {
            if (service.spec().mode() == ServiceMode.GLOBAL) {
                slots.computeIfAbsent(service.id(), s -> new HashSet<>()).add(ClusterState.slotKey(0, nodeId));
            }
        }
    }
}
