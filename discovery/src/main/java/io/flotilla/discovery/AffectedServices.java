package io.flotilla.discovery;

import io.flotilla.model.Command;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.state.ClusterState;
import java.util.HashSet;
import java.util.Set;

/**
 * Which services' endpoint sets a command may have changed: the registry recomputes only those,
 * so following the log costs O(what the command touched), not O(cluster). Over-approximating is
 * harmless (an unchanged set yields no change); missing one would lose a change, so a command this
 * class does not know recomputes every service.
 */
public final class AffectedServices {
    private AffectedServices() {}

    /** The names of the services whose endpoints may differ between {@code before} and {@code after}. */
    public static Set<String> of(ClusterState before, Command command, ClusterState after) {
        Set<String> names = new HashSet<>();
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
            case Command.SetDesiredStates c -> c.changes().forEach(change -> taskService(before, change.taskId(), names));
            case Command.UpdateTaskStatuses c -> c.updates().forEach(update -> taskService(before, update.taskId(), names));
            case Command.DeleteTasks c -> c.taskIds().forEach(id -> taskService(before, id, names));
            case Command.UpsertNode c -> nodeServices(before, c.node().id(), names);
            case Command.UpsertNodes c -> c.nodes().forEach(node -> nodeServices(before, node.id(), names));
            case Command.SetNodeStates c -> c.changes().forEach(change -> nodeServices(before, change.nodeId(), names));
            case Command.UpdateNodeSpec c -> { }
            case Command.RemoveNode c -> nodeServices(before, c.nodeId(), names);
            case Command.SetClusterConfig c -> { }
            case Command.RegisterEndpoints c -> c.registrations().forEach(r -> {
                names.add(r.service());
                before.registrations().get(r.id()).map(Registration::service).ifPresent(names::add);
            });
            case Command.DeregisterEndpoints c -> c.registrationIds().forEach(id ->
                    before.registrations().get(id).map(Registration::service).ifPresent(names::add));
            // Commands added later: correct (every service), if slower, until they are listed here.
            default -> names.addAll(everyService(before, after));
        }
        return names;
    }

    private static void serviceById(ClusterState before, ClusterState after, String id, Set<String> names) {
        before.service(id).map(s -> s.spec().name()).ifPresent(names::add);
        after.service(id).map(s -> s.spec().name()).ifPresent(names::add);
    }

    private static void taskService(ClusterState before, String taskId, Set<String> names) {
        before.task(taskId).map(Task::serviceId).flatMap(before::service).map(Service::spec)
                .ifPresent(spec -> names.add(spec.name()));
    }

    private static void nodeServices(ClusterState before, String nodeId, Set<String> names) {
        for (Task task : before.tasksOfNode(nodeId)) {
            before.service(task.serviceId()).ifPresent(service -> names.add(service.spec().name()));
        }
    }

    static Set<String> everyService(ClusterState before, ClusterState after) {
        Set<String> names = new HashSet<>(ServiceEndpoints.names(before));
        names.addAll(ServiceEndpoints.names(after));
        return names;
    }
}
