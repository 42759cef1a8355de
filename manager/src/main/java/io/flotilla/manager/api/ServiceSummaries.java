package io.flotilla.manager.api;

import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.ServiceSummary;
import io.flotilla.state.ClusterState;
import java.util.Comparator;
import java.util.List;

/**
 * Task counts for {@code service ls} (pure). Running: tasks RUNNING and wanted running. Desired:
 * the replicas of a replicated service; for a global service the nodes that hold a task wanted
 * running (the scheduler alone knows which nodes are eligible).
 */
final class ServiceSummaries {
    private ServiceSummaries() {}

    static ServiceSummary of(ClusterState state, Service service) {
        List<Task> tasks = state.tasksOfService(service.id());
        int running = (int) tasks.stream()
                .filter(t -> t.state() == TaskState.RUNNING && t.desiredState() == TaskState.RUNNING)
                .count();
        int desired = service.spec().mode() == ServiceMode.GLOBAL
                ? (int) tasks.stream().filter(t -> t.desiredState() == TaskState.RUNNING && t.nodeId() != null)
                        .map(Task::nodeId).distinct().count()
                : service.spec().replicas();
        return new ServiceSummary(service, running, desired);
    }

    static List<ServiceSummary> list(ClusterState state, String stack) {
        return state.services().stream()
                .filter(s -> stack == null || stack.equals(s.spec().stack()))
                .sorted(Comparator.comparing(s -> s.spec().name()))
                .map(s -> of(state, s))
                .toList();
    }

    /** Slot order; within a slot (or a node, for global tasks), newest first. */
    static final Comparator<Task> TASK_ORDER = Comparator.comparing((Task t) -> t.serviceName() == null ? "" : t.serviceName())
            .thenComparingInt(Task::slot)
            .thenComparing(t -> t.slot() > 0 || t.nodeId() == null ? "" : t.nodeId())
            .thenComparing(Task::createdAt, Comparator.nullsLast(Comparator.reverseOrder()))
            .thenComparing(Task::id);
}
