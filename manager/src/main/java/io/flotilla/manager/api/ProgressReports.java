package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.Progress.ServiceProgress;
import io.flotilla.model.api.Progress.TaskNote;
import io.flotilla.state.ClusterState;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The {@link Progress} of stacks or of one service in a state (pure): what {@code GET /v1/progress}
 * answers. Reads only the services asked for and their tasks (plus the tasks of removed services
 * of the stacks asked for), never the whole task table.
 */
final class ProgressReports {
    private ProgressReports() {}

    /** The stacks named (their services by name; {@code tasksLeft} counts removed services' tasks too). */
    static Progress ofStacks(ClusterState state, List<String> stacks) {
        List<ServiceProgress> services = stacks.stream().flatMap(stack -> state.servicesOfStack(stack).stream())
                .sorted(Comparator.comparing(s -> s.spec().name()))
                .map(s -> of(state, s)).toList();
        int left = 0;
        for (String serviceId : state.serviceIdsWithTasks()) {
            List<Task> tasks = state.tasksOfService(serviceId);
            String name = state.service(serviceId).map(s -> s.spec().name())
                    .orElseGet(() -> tasks.isEmpty() ? "" : tasks.getFirst().serviceName());
            if (name != null && stacks.stream().anyMatch(stack -> name.startsWith(stack + "_"))) {
                left += (int) tasks.stream().filter(t -> !t.state().isTerminal()).count();
            }
        }
        return new Progress(state.index(), services, left);
    }

    /** One service by reference (full name, id or unique id prefix); 404 when none matches. */
    static Progress ofService(ClusterState state, String ref) {
        Service service = state.findService(ref)
                .orElseThrow(() -> ApiException.notFound("no such service: " + ref));
        int left = (int) state.tasksOfService(service.id()).stream().filter(t -> !t.state().isTerminal()).count();
        return new Progress(state.index(), List.of(of(state, service)), left);
    }

    static ServiceProgress of(ClusterState state, Service service) {
        List<Task> tasks = state.tasksOfService(service.id()).stream().sorted(ServiceSummaries.TASK_ORDER).toList();
        int desired = service.spec().mode() == ServiceMode.GLOBAL
                ? (int) tasks.stream().filter(ProgressReports::wanted).map(Task::nodeId)
                        .filter(Objects::nonNull).distinct().count()
                : service.spec().replicas();
        int running = 0;
        int up = 0;
        int current = 0;
        int updated = 0;
        int wanted = 0;
        Map<String, Integer> perNode = new TreeMap<>();
        for (Task task : tasks) {
            if (!wanted(task)) {
                continue;
            }
            wanted++;
            if (task.state() == TaskState.RUNNING) {
                running++;
                if (task.nodeId() != null) {
                    perNode.merge(task.nodeId(), 1, Integer::sum);
                }
            }
            if (isUp(task)) {
                up++;
                if (task.serviceVersion() == service.version()) {
                    current++;
                }
                if (task.spec().equals(service.spec().task())) {
                    updated++;
                }
            }
        }
        Optional<Task> failed = tasks.stream()
                .filter(t -> t.status().error() != null && (wanted(t) || t.state().isTerminal()))
                .max(Comparator.comparing(t -> t.status().timestamp()));
        Optional<Task> waiting = tasks.stream().filter(t -> wanted(t) && !isUp(t)).findFirst();
        return new ServiceProgress(service.id(), service.spec().name(), service.spec().stack(), service.spec().mode(),
                service.version(), desired, running, up, current, updated, wanted, service.updateStatus(),
                service.rebalanceRequestedAt(), perNode, failed.map(ProgressReports::note).orElse(null),
                waiting.map(ProgressReports::note).orElse(null));
    }

    private static boolean wanted(Task task) {
        return task.desiredState() == TaskState.RUNNING;
    }

    /** Running, and healthy if it has a health check: a task still starting its check is not up yet. */
    private static boolean isUp(Task task) {
        return task.state() == TaskState.RUNNING
                && (task.status().health() == null || "healthy".equals(task.status().health()));
    }

    private static TaskNote note(Task task) {
        return new TaskNote(task.id(), task.displayName(), task.state(), task.status().message(),
                task.status().error(), task.status().health());
    }
}
