package io.flotilla.manager.dispatcher;

import io.flotilla.model.PortSpec;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * What a node must run, computed from the state: every task assigned to it that has not ended
 * (whatever its desired state, so the agent also learns what to stop). Pure.
 *
 * <p>A task carries only its template, not its service's ports, so each task of the set gets
 * {@value #PORTS_ENV} in its {@code injectedEnv}: {@code name:target} pairs, comma-separated (for
 * example {@code http:8080,9090:9090}); a port published in {@code host} mode also carries its
 * host port, {@code name:target:published:host} ({@code web:80:8080:host}), which the agent
 * gives the task as is. Each task also gets the services it depends on
 * ({@link TaskDependencies#DEPENDENCIES_ENV}), and the set their healthy endpoints. The stored
 * task is not changed.
 */
public final class AssignmentSets {
    public static final String PORTS_ENV = "FLOTILLA_PORTS";

    private AssignmentSets() {}

    public static AssignmentSet of(ClusterState state, String nodeId) {
        List<Task> tasks = state.tasksOfNode(nodeId).stream()
                .filter(task -> task.state().compareTo(TaskState.ASSIGNED) >= 0 && !task.state().isTerminal())
                .sorted(Comparator.comparing(Task::id))
                .toList();
        Map<String, List<String>> dependencies = new TreeMap<>();
        List<Task> sent = new ArrayList<>(tasks.size());
        for (Task task : tasks) {
            Map<String, String> taskDependencies = TaskDependencies.of(state, task);
            for (String service : taskDependencies.values()) {
                dependencies.computeIfAbsent(service, name -> TaskDependencies.endpoints(state, name));
            }
            sent.add(withDependencies(withPorts(state, task), taskDependencies));
        }
        return new AssignmentSet(state.index(), nodeId, sent, dependencies);
    }

    private static Task withDependencies(Task task, Map<String, String> dependencies) {
        if (dependencies.isEmpty()) {
            return task;
        }
        Map<String, String> env = new LinkedHashMap<>(task.injectedEnv());
        env.put(TaskDependencies.DEPENDENCIES_ENV, TaskDependencies.envValue(dependencies));
        return task.withAssignment(task.nodeId(), env, task.status());
    }

    static Task withPorts(ClusterState state, Task task) {
        List<PortSpec> ports = state.service(task.serviceId()).map(Service::spec).map(spec -> spec.ports())
                .orElse(List.of());
        if (ports.isEmpty()) {
            return task;
        }
        Map<String, String> env = new LinkedHashMap<>(task.injectedEnv());
        env.put(PORTS_ENV, portsValue(ports));
        return task.withAssignment(task.nodeId(), env, task.status());
    }

    public static String portsValue(List<PortSpec> ports) {
        return ports.stream().map(AssignmentSets::portValue).collect(Collectors.joining(","));
    }

    private static String portValue(PortSpec port) {
        String value = port.name() + ":" + port.target();
        return "host".equals(port.mode()) && port.published() != null ? value + ":" + port.published() + ":host" : value;
    }
}
