package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
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
 * {@link ReconcileScope}.
 *
 * <p>Not thread-safe: the caller feeds and drains it under one lock. Pure bookkeeping: it reads
 * only the states it is given.
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

    /** Records what {@code command} changed, given the states before and after it. */
    public void applied(ClusterState before, Command command, ClusterState after) {
        if (everything) {
            return; // the next scope is everything anyway
        }
        switch (command) {
            case Command.DeployStack c -> {
                before.servicesOfStack(c.stack()).forEach(s -> wholeServices.add(s.id()));
                after.servicesOfStack(c.stack()).forEach(s -> wholeServices.add(s.id()));
                for (ServiceSpec spec : c.services()) {
                    after.serviceByName(spec.name()).ifPresent(s -> wholeServices.add(s.id()));
                }
            }
            case Command.RemoveStack c -> before.servicesOfStack(c.stack()).forEach(s -> wholeServices.add(s.id()));
            case Command.CreateService c -> wholeServices.add(c.serviceId());
            case Command.UpdateService c -> wholeServices.add(c.serviceId());
            case Command.RollbackService c -> wholeServices.add(c.serviceId());
            case Command.UpdateServiceStatus c -> wholeServices.add(c.serviceId());
            case Command.RebalanceService c -> wholeServices.add(c.serviceId());
            case Command.RebalanceDone c -> wholeServices.add(c.serviceId());
            case Command.RemoveService c -> wholeServices.add(c.serviceId());
            case Command.ScaleService c -> wholeServices.add(c.serviceId());
            case Command.CreateTasks c -> c.tasks().forEach(this::slotOf);
            case Command.SetDesiredStates c -> c.changes().forEach(change -> task(before, after, change.taskId()));
            case Command.AssignTasks c -> c.assignments().forEach(a -> task(before, after, a.taskId()));
            case Command.UpdateTaskStatuses c -> c.updates().forEach(u -> task(before, after, u.taskId()));
            case Command.DeleteTasks c -> c.taskIds().forEach(id -> task(before, after, id));
            case Command.UpsertNode c -> node(before, after, c.node().id());
            case Command.UpsertNodes c -> {
                for (Node node : c.nodes()) {
                    node(before, after, node.id());
                }
            }
            case Command.SetNodeStates c -> c.changes().forEach(change -> node(before, after, change.nodeId()));
            case Command.UpdateNodeSpec c -> node(before, after, c.nodeId());
            case Command.RemoveNode c -> node(before, after, c.nodeId());
            case Command.SetClusterConfig c -> { }
            case Command.StartCaRotation c -> { }
            case Command.CaCertificateIssued c -> { }
            case Command.RegisterEndpoints c -> { }
            case Command.DeregisterEndpoints c -> { }
            case Command.RemoveVolumes c -> { } // only unused volumes go: no slot changes
        }
    }

    private void task(ClusterState before, ClusterState after, String taskId) {
        Task task = after.task(taskId).orElseGet(() -> before.task(taskId).orElse(null));
        if (task != null) {
            slotOf(task);
        }
    }

    private void slotOf(Task task) {
        slots.computeIfAbsent(task.serviceId(), s -> new HashSet<>()).add(ClusterState.slotKey(task));
    }

    private void node(ClusterState before, ClusterState after, String nodeId) {
        if (before.node(nodeId).equals(after.node(nodeId))) {
            return; // a hello that changed nothing
        }
        nodes.add(nodeId);
        after.tasksOfNode(nodeId).forEach(this::slotOf);
        for (Service service : after.services()) {
            if (service.spec().mode() == ServiceMode.GLOBAL) {
                slots.computeIfAbsent(service.id(), s -> new HashSet<>()).add(ClusterState.slotKey(0, nodeId));
            }
        }
    }
}
