package io.flotilla.manager.dispatcher;

import io.flotilla.model.PortSpec;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.AssignmentVariables;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a node must run, computed from the state: every task assigned to it that has not ended
 * (whatever its desired state, so the agent also learns what to stop). Pure.
 *
 * <p>Each task goes with its {@link Assignment}, made here and nowhere else: its service's ports
 * (a task carries only its template), whether it is fenced and whether its volumes are its slot's
 * (the scheduler's decision, which the log keeps in the task's {@code injectedEnv} as
 * {@code FLOTILLA_FENCING} and {@code FLOTILLA_SLOT}: lifted out by {@link AssignmentVariables#lift}),
 * and the services it depends on ({@link TaskDependencies}), whose healthy endpoints the set
 * carries. A task is sent without those variables (the agent writes them for the task's process
 * from the assignment); the stored task is not changed.
 */
public final class AssignmentSets {
    private AssignmentSets() {}

    public static AssignmentSet of(ClusterState state, String nodeId) {
        List<Task> tasks = state.tasksOfNode(nodeId).stream()
                .filter(task -> task.state().compareTo(TaskState.ASSIGNED) >= 0 && !task.state().isTerminal())
                .sorted(Comparator.comparing(Task::id))
                .toList();
        Map<String, List<String>> dependencies = new TreeMap<>();
        Map<String, Assignment> assignments = new HashMap<>();
        List<Task> sent = new ArrayList<>(tasks.size());
        for (Task task : tasks) {
            AssignmentVariables.Lifted stored = AssignmentVariables.lift(task.injectedEnv());
            Map<String, String> taskDependencies = TaskDependencies.of(state, task);
            for (String service : taskDependencies.values()) {
                dependencies.computeIfAbsent(service, name -> TaskDependencies.endpoints(state, name));
            }
            Assignment assignment = stored.assignment().withPorts(ports(state, task)).withDependencies(taskDependencies);
            assignments.put(task.id(), assignment);
            Map<String, String> env = stored.environment();
            sent.add(env.equals(task.injectedEnv()) ? task : task.withAssignment(task.nodeId(), env, task.status()));
        }
        return new AssignmentSet(state.index(), nodeId, sent, assignments, dependencies);
    }

    /** The ports of the task's service; one published in {@code host} mode must get its published port on the host. */
    static List<Assignment.Port> ports(ClusterState state, Task task) {
        List<PortSpec> ports = state.service(task.serviceId()).map(Service::spec).map(spec -> spec.ports())
                .orElse(List.of());
        List<Assignment.Port> wired = new ArrayList<>(ports.size());
        for (PortSpec port : ports) {
            boolean pinned = "host".equals(port.mode()) && port.published() != null;
            wired.add(new Assignment.Port(port.name(), port.target(), pinned ? port.published() : null));
        }
        return wired;
    }
}
