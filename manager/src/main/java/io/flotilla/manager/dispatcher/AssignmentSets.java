package io.flotilla.manager.dispatcher;

import io.flotilla.model.ClusterFile;
import io.flotilla.model.FileMount;
import io.flotilla.model.Network;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.TaskFile;
import io.flotilla.model.api.TaskNetwork;
import io.flotilla.scheduler.Fencing;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a node must run, computed from the state: every task assigned to it that has not ended
 * (whatever its desired state, so the agent also learns what to stop). Pure.
 *
 * <p>Each task goes with its {@link Assignment}, made here and nowhere else: its service's ports
 * (a task carries only its template), whether it is fenced and whether its volumes are its slot's
 * (the scheduler's decision, which the log keeps typed in the task's {@link TaskAllocation}), a
 * stateful service's task's slot and stable name ({@link Fencing#slotName}, from its service's
 * spec: a task of a removed service, being stopped, has none), and the services it depends on
 * ({@link TaskDependencies}), whose healthy endpoints the set carries; and its overlay networks
 * ({@link #networks}: each of its template's networks, in the template's order, with the task's
 * address there) and its service's stack (its resolver's search domain). The task is sent as stored.
 *
 * <p>A task that does not hold an address on each of its networks is not sent: the scheduler keeps
 * such a task PENDING ({@code NetworkTable.missingAddress}), so only an assignment the scheduler did
 * not make (a crafted entry) gets here, and the task never ran (an address is held from the task's
 * creation until it ends). It is sent once it gets them: that changes its network, which wakes the
 * node's poll ({@link NetworkDirectories}).
 *
 * <p>A task's secrets and configs go with it ({@link TaskFile}: each {@link FileMount} of its
 * template, with the content of the object's current version, opened by this manager's
 * {@link FileContents}). A task one of whose files does not exist or does not open here is not
 * sent (a warning names the object, never its content): the agent must not start it without them.
 * A new version stamps the nodes whose tasks use it (the state's {@code AssignmentStamps}), which
 * wakes their polls with the new content.
 */
public final class AssignmentSets {
    private static final Logger LOG = LoggerFactory.getLogger(AssignmentSets.class);

    private AssignmentSets() {}

    /** Opens the content of a secret or config's current version: a manager's vault. */
    @FunctionalInterface
    public interface FileContents {
        /** Opens none: a task with files is not sent. */
        FileContents NONE = file -> {
            throw new IllegalStateException("no cluster data key here");
        };

        byte[] open(ClusterFile file);
    }

    /** Without secrets or configs: a task that has some is not sent. */
    public static AssignmentSet of(ClusterState state, String nodeId) {
        return of(state, nodeId, FileContents.NONE);
    }

    public static AssignmentSet of(ClusterState state, String nodeId, FileContents contents) {
        Map<String, List<TaskFile>> files = new HashMap<>();
        List<Task> tasks = state.tasksOfNode(nodeId).stream()
                .filter(task -> task.state().compareTo(TaskState.ASSIGNED) >= 0 && !task.state().isTerminal())
                .filter(task -> task.spec().networks().isEmpty() || state.networks().missingAddress(task) == null)
                .filter(task -> task.spec().files().isEmpty() || files(state, task, contents, files))
                .sorted(Comparator.comparing(Task::id))
                .toList();
        Map<String, List<String>> dependencies = new TreeMap<>();
        Map<String, Assignment> assignments = new HashMap<>();
        for (Task task : tasks) {
            Map<String, String> taskDependencies = TaskDependencies.of(state, task);
            for (String service : taskDependencies.values()) {
                dependencies.computeIfAbsent(service, name -> TaskDependencies.endpoints(state, name));
            }
            TaskAllocation allocation = task.allocation();
            Assignment assignment = new Assignment(ports(state, task), allocation.fenced(), taskDependencies,
                    allocation.slotVolumes());
            if (allocation.slotVolumes() && task.slot() > 0) {
                assignment = assignment.withSlot(task.slot(), state.service(task.serviceId())
                        .map(service -> Fencing.slotName(service.spec(), task.slot())).orElse(null));
            }
            if (!task.spec().networks().isEmpty()) {
                assignment = assignment.withNetworks(networks(state, task), stackOf(state, task));
            }
            if (!task.spec().files().isEmpty()) {
                assignment = assignment.withFiles(files.get(task.id()));
            }
            assignments.put(task.id(), assignment);
        }
        return new AssignmentSet(state.index(), nodeId, tasks, assignments, dependencies);
    }

    /**
     * Puts the task's files (in its template's order, each with its object's current version) into
     * {@code into}; false when one does not exist or does not open here (the task is not sent).
     */
    private static boolean files(ClusterState state, Task task, FileContents contents, Map<String, List<TaskFile>> into) {
        List<TaskFile> result = new ArrayList<>(task.spec().files().size());
        for (FileMount mount : task.spec().files()) {
            ClusterFile file = state.files().get(mount.kind(), mount.source()).orElse(null);
            if (file == null) {
                LOG.warn("task {} not sent: its {} {} does not exist", task.id(), mount.kind().label(), mount.source());
                return false;
            }
            try {
                result.add(new TaskFile(mount, file.version(), contents.open(file)));
            } catch (RuntimeException e) {
                LOG.warn("task {} not sent: {}", task.id(), e.getMessage());
                return false;
            }
        }
        into.put(task.id(), result);
        return true;
    }

    /**
     * The task's networks in its template's order, each with the task's address there; a network
     * on which it holds no address is left out (such a task is not sent, see the class comment).
     */
    static List<TaskNetwork> networks(ClusterState state, Task task) {
        List<TaskNetwork> result = new ArrayList<>(task.spec().networks().size());
        for (TaskAddress address : state.networks().addressesOf(task)) {
            Network network = state.networks().network(address.network()).orElse(null);
            if (network != null) {
                result.add(new TaskNetwork(network.name(), network.vni(), network.subnet(), network.gateway(),
                        network.spec().internal(), address.address()));
            }
        }
        return result;
    }

    private static String stackOf(ClusterState state, Task task) {
        return state.service(task.serviceId()).map(service -> service.spec().stack()).orElse(null);
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
