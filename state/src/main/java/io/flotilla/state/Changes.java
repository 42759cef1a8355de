package io.flotilla.state;

import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What one applied command changed ({@link StateMachine#applyWithChanges}): the one answer to
 * "what did this command touch" that everyone following the log reads — the leader's reconcile
 * scope, the registry's recomputed endpoints and the stamps that wake the agents' long polls.
 *
 * <p>Exact: an id is named if and only if its object differs between the states before and after
 * the command (added, removed or changed), whatever the command was; a command that changed nothing
 * changes nothing here either. Apply computes it from what its building blocks wrote (so a new
 * command needs no code here), compared with the state before.
 *
 * @param services       ids of the services added, removed or changed (spec, version, update status, rebalance)
 * @param slots          per service id, the slot keys ({@link ClusterState#slotKey}) of the tasks added, removed
 *                       or changed (before and after, when a task changed slot)
 * @param tasks          ids of the tasks added, removed or changed
 * @param nodes          ids of the nodes added, removed or changed (spec or status)
 * @param nodeTasks      nodes for which what they must run changed: a task of theirs added, removed, moved,
 *                       asked to stop, ended, or its template changed
 * @param nodeStatuses   nodes not in {@code nodeTasks} for which only the status of a task they already run
 *                       changed (it stays in their set)
 * @param publishedPorts a service's published ports changed (they go into every node's set)
 * @param serviceSpecs   a service was added or removed, or its spec changed (every node's session carries
 *                       the services as the routing mesh reads them)
 * @param registrations  ids of the self-registrations added, removed or changed
 * @param volumes        names of the volumes added, removed or changed
 * @param cluster        the cluster's config (identity, tokens, deny list, CA) changed
 * @param networks       names of the networks added, removed or changed, with their addresses (a task's,
 *                       a service's virtual address or a node's given or freed): what a node's data plane follows
 * @param files          the secrets and configs made, removed or given a new version, by {@code kind:name}
 *                       ({@link io.flotilla.model.ClusterFile#key}): the nodes running a task that uses one get
 *                       a new assignment set
 */
public record Changes(Set<String> services, Map<String, Set<Object>> slots, Set<String> tasks, Set<String> nodes,
                      Set<String> nodeTasks, Set<String> nodeStatuses, boolean publishedPorts,
                      boolean serviceSpecs, Set<String> registrations, Set<String> volumes, boolean cluster,
                      Set<String> networks, Set<String> files) {
    public static final Changes NONE = new Changes(Set.of(), Map.of(), Set.of(), Set.of(), Set.of(), Set.of(), false,
            false, Set.of(), Set.of(), false, Set.of(), Set.of());

    public Changes {
        services = Set.copyOf(services);
        Map<String, Set<Object>> copied = new HashMap<>();
        slots.forEach((service, keys) -> copied.put(service, Set.copyOf(keys)));
        slots = Map.copyOf(copied);
        tasks = Set.copyOf(tasks);
        nodes = Set.copyOf(nodes);
        nodeTasks = Set.copyOf(nodeTasks);
        nodeStatuses = Set.copyOf(nodeStatuses);
        registrations = Set.copyOf(registrations);
        volumes = Set.copyOf(volumes);
        networks = Set.copyOf(networks);
        files = Set.copyOf(files);
    }

    /** True when the command changed nothing (its index aside). */
    public boolean isEmpty() {
        return services.isEmpty() && tasks.isEmpty() && nodes.isEmpty() && !publishedPorts && registrations.isEmpty()
                && volumes.isEmpty() && !cluster && networks.isEmpty() && files.isEmpty();
    }

    /**
     * The ids a command's building blocks wrote ({@link ClusterState#putTask} and the others), in
     * apply: candidates only. {@link #between} keeps those that differ, so a write that put back an
     * equal value, or a state built and then dropped, leaves no trace. Used by one apply, on its
     * thread; {@link #NONE} notes nothing (every state outside apply holds it).
     */
    static final class Written {
        static final Written NONE = new Written(false);

        private final boolean on;
        final Set<String> services = new HashSet<>();
        final Set<String> tasks = new HashSet<>();
        final Set<String> nodes = new HashSet<>();
        final Set<String> registrations = new HashSet<>();
        final Set<String> volumes = new HashSet<>();
        final Set<String> files = new HashSet<>();

        Written() {
            this(true);
        }

        private Written(boolean on) {
            this.on = on;
        }

        void service(String id) {
            note(services, id);
        }

        void task(String id) {
            note(tasks, id);
        }

        void node(String id) {
            note(nodes, id);
        }

        void registration(String id) {
            note(registrations, id);
        }

        void volume(String name) {
            note(volumes, name);
        }

        void file(String key) {
            note(files, key);
        }

        private void note(Set<String> into, String id) {
            if (on) {
                into.add(id);
            }
        }
    }

    /** What differs between {@code before} and {@code after} among what was {@code written}. */
    static Changes between(ClusterState before, Written written, ClusterState after) {
        Set<String> services = changed(written.services, before::service, after::service);
        boolean ports = false;
        boolean specs = false;
        for (String id : services) {
            Service then = before.service(id).orElse(null);
            Service now = after.service(id).orElse(null);
            ports |= then != null && !then.spec().ports().equals(now == null ? java.util.List.of() : now.spec().ports());
            specs |= then == null || now == null || !then.spec().equals(now.spec());
        }
        Set<String> tasks = new HashSet<>();
        Map<String, Set<Object>> slots = new HashMap<>();
        Set<String> nodeTasks = new HashSet<>();
        Set<String> nodeStatuses = new HashSet<>();
        for (String id : written.tasks) {
            Task then = before.task(id).orElse(null);
            Task now = after.task(id).orElse(null);
            if (Objects.equals(then, now)) {
                continue;
            }
            tasks.add(id);
            Set<String> nodes = statusOnly(then, now) ? nodeStatuses : nodeTasks;
            for (Task task : new Task[] {then, now}) {
                if (task != null) {
                    slots.computeIfAbsent(task.serviceId(), s -> new HashSet<>()).add(ClusterState.slotKey(task));
                    if (task.nodeId() != null) {
                        nodes.add(task.nodeId());
                    }
                }
            }
        }
        nodeStatuses.removeAll(nodeTasks);
        return new Changes(services, slots, tasks, changed(written.nodes, before::node, after::node), nodeTasks,
                nodeStatuses, ports, specs, changed(written.registrations, before.registrations()::get, after.registrations()::get),
                changed(written.volumes, before::volume, after::volume), !Objects.equals(before.cluster(), after.cluster()),
                networks(before.networks(), after.networks()), changedFiles(written.files, before, after));
    }

    /** The networks whose entry (the network or its addresses) differs: few networks, and one table when none changed. */
    private static Set<String> networks(NetworkTable before, NetworkTable after) {
        if (before == after) {
            return Set.of();
        }
        Set<String> names = new HashSet<>(before.names());
        names.addAll(after.names());
        names.removeIf(name -> Objects.equals(before.entry(name), after.entry(name)));
        return names;
    }

    private static Set<String> changedFiles(Set<String> written, ClusterState before, ClusterState after) {
        Set<String> changed = new HashSet<>(written);
        changed.removeIf(key -> Objects.equals(before.files().byKey(key), after.files().byKey(key)));
        return changed;
    }

    private static Set<String> changed(Set<String> written, java.util.function.Function<String, Optional<?>> before,
                                       java.util.function.Function<String, Optional<?>> after) {
        Set<String> changed = new HashSet<>();
        for (String id : written) {
            if (!before.apply(id).equals(after.apply(id))) {
                changed.add(id);
            }
        }
        return changed;
    }

    /**
     * Whether {@code now} differs from {@code then} only in a status that keeps it in its node's set
     * (assigned or later, not ended): the agent reported it, and nothing it must do changed.
     */
    static boolean statusOnly(Task then, Task now) {
        return then != null && now != null && then.nodeId() != null && then.nodeId().equals(now.nodeId())
                && then.state().compareTo(TaskState.ASSIGNED) >= 0 && !then.state().isTerminal()
                && !now.state().isTerminal() && then.withStatus(now.status()).equals(now);
    }
}
