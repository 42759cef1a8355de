package io.flotilla.discovery;

import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.util.HashSet;
import java.util.Set;

/**
 * Which endpoints a command may have changed, as narrowly as the command says: whole services
 * (a spec changed: recomputed from all their tasks), single tasks (a task's status or desired
 * state, or its node's state: recomputed one by one) and single registrations. So following the
 * log costs O(what the command touched), not O(service) and not O(cluster): at a million tasks of
 * one service, recomputing the whole service for each 5,000-status entry took most of every
 * manager's apply thread. Over-approximating is harmless (an unchanged endpoint yields no change);
 * missing one would lose a change, so a command this class does not know recomputes every service.
 */
public final class AffectedServices {
    private AffectedServices() {}

    /**
     * What to recompute: {@code services} by name, whole; {@code taskIds} and {@code registrationIds}
     * one by one (those of a service in {@code services} are covered by it).
     */
    public record Affected(Set<String> services, Set<String> taskIds, Set<String> registrationIds) {}

    /** What may differ between {@code before} and {@code after}. */
    public static Affected of(ClusterState before, Command command, ClusterState after) {
        Set<String> names = new HashSet<>();
        Set<String> taskIds = new HashSet<>();
        Set<String> registrationIds = new HashSet<>();
        switch (command) {
            case Command.DeployStack c -> {
                before.servicesOfStack(c.stack()).forEach(s -> names.add(s.spec().name()));
                c.services().forEach(spec -> names.add(spec.name()));
            }
            case Command.RemoveStack c -> before.servicesOfStack(c.stack()).forEach(s -> names.add(s.spec().name()));
            case Command.CreateService c -> names.add(c.spec().name());
            case Command.UpdateService c -> serviceById(before, after, c.serviceId(), names);
            case Command.RollbackService c -> serviceById(before, after, c.serviceId(), names);
            case Command.RemoveService c -> serviceById(before, after, c.serviceId(), names);
            case Command.ScaleService c -> { } // tasks start and stop through their own commands
            case Command.UpdateServiceStatus c -> { }
            case Command.RebalanceService c -> { }
            case Command.RebalanceDone c -> { }
            case Command.CreateTasks c -> { } // a new task is not running yet
            case Command.AssignTasks c -> { } // an assigned task is not running yet
            case Command.SetDesiredStates c -> c.changes().forEach(change -> taskIds.add(change.taskId()));
            case Command.UpdateTaskStatuses c -> c.updates().forEach(update -> taskIds.add(update.taskId()));
            case Command.DeleteTasks c -> taskIds.addAll(c.taskIds());
            case Command.UpsertNode c -> nodeTasks(before, after, c.node().id(), taskIds);
            case Command.UpsertNodes c -> c.nodes().forEach(node -> nodeTasks(before, after, node.id(), taskIds));
            case Command.SetNodeStates c -> c.changes().forEach(change -> nodeTasks(before, after, change.nodeId(), taskIds));
            case Command.UpdateNodeSpec c -> { }
            case Command.RemoveNode c -> nodeTasks(before, after, c.nodeId(), taskIds);
            case Command.SetClusterConfig c -> { }
            case Command.StartCaRotation c -> { }
            case Command.CaCertificateIssued c -> { }
            case Command.RegisterEndpoints c -> c.registrations().forEach(r -> registrationIds.add(r.id()));
            case Command.DeregisterEndpoints c -> registrationIds.addAll(c.registrationIds());
            // Commands added later: correct (every service), if slower, until they are listed here.
            default -> names.addAll(everyService(before, after));
        }
        return new Affected(names, taskIds, registrationIds);
    }

    private static void serviceById(ClusterState before, ClusterState after, String id, Set<String> names) {
        before.service(id).map(s -> s.spec().name()).ifPresent(names::add);
        after.service(id).map(s -> s.spec().name()).ifPresent(names::add);
    }

    private static void nodeTasks(ClusterState before, ClusterState after, String nodeId, Set<String> taskIds) {
        before.tasksOfNode(nodeId).forEach(task -> taskIds.add(task.id()));
        after.tasksOfNode(nodeId).forEach(task -> taskIds.add(task.id()));
    }

    static Set<String> everyService(ClusterState before, ClusterState after) {
        Set<String> names = new HashSet<>(ServiceEndpoints.names(before));
        names.addAll(ServiceEndpoints.names(after));
        return names;
    }
}
