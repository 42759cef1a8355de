package io.flotilla.state;

import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.pcollections.HashTreePMap;
import org.pcollections.HashTreePSet;
import org.pcollections.PMap;
import org.pcollections.PSet;

/**
 * The whole replicated state of the cluster, immutable. {@link StateMachine#apply} makes a new
 * one from an old one and a command; anyone may hold a ClusterState as long as they like (the
 * scheduler and reconciler work on one without locks).
 *
 * <p>Invariants kept by apply: every task in {@code tasksByService} and {@code tasksByNode} is in
 * {@code tasks} and vice versa; service names are unique; {@code index} is the last Raft log
 * index applied (0 for an empty state).
 */
public final class ClusterState {
    public static final ClusterState EMPTY = new ClusterState(0, HashTreePMap.empty(), HashTreePMap.empty(),
            HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(), null,
            HashTreePMap.empty(), 0, Registrations.EMPTY);

    private final long index;
    private final PMap<String, Service> services;
    private final PMap<String, String> serviceIdsByName;
    private final PMap<String, Task> tasks;
    private final PMap<String, PSet<String>> taskIdsByService;
    private final PMap<String, PSet<String>> taskIdsByNode;
    private final PMap<String, Node> nodes;
    /** Self-registrations (discovery). */
    private final Registrations registrations;
    /** The cluster's identity and join tokens; null until {@code flotilla init} sets them. */
    private final ClusterConfig cluster;
    /**
     * Per node, a stamp of the last change to its tasks: greater than the index of every state
     * before the change, at most the index of the state that made it (the index before the change
     * plus one, since apply sets the new index last). Lets the dispatcher answer a node's long
     * poll only when its assignment set may have changed. Derived, not replicated: rebuilt with
     * the rest on snapshot load.
     */
    private final PMap<String, Long> nodeTasksChangedAt;
    /** The same stamp for a change of any service's published ports (they go into every assignment set). */
    private final long portsChangedAt;

    ClusterState(long index, PMap<String, Service> services, PMap<String, String> serviceIdsByName,
                 PMap<String, Task> tasks, PMap<String, PSet<String>> taskIdsByService,
                 PMap<String, PSet<String>> taskIdsByNode, PMap<String, Node> nodes, ClusterConfig cluster,
                 PMap<String, Long> nodeTasksChangedAt, long portsChangedAt,
                 Registrations registrations) {
        this.registrations = registrations;
        this.nodeTasksChangedAt = nodeTasksChangedAt;
        this.portsChangedAt = portsChangedAt;
        this.cluster = cluster;
        this.index = index;
        this.services = services;
        this.serviceIdsByName = serviceIdsByName;
        this.tasks = tasks;
        this.taskIdsByService = taskIdsByService;
        this.taskIdsByNode = taskIdsByNode;
        this.nodes = nodes;
    }

    /** Rebuilds a state from plain collections (a snapshot), recomputing the indexes. */
    public static ClusterState of(long index, Collection<Service> services, Collection<Task> tasks,
                                  Collection<Node> nodes) {
        return of(index, services, tasks, nodes, null);
    }

    /** Rebuilds a state from plain collections and the cluster config (a snapshot). */
    public static ClusterState of(long index, Collection<Service> services, Collection<Task> tasks,
                                  Collection<Node> nodes, ClusterConfig cluster) {
        ClusterState state = EMPTY.withIndex(index).withCluster(cluster);
        for (Service service : services) {
            state = state.putService(service);
        }
        for (Node node : nodes) {
            state = state.putNode(node);
        }
        for (Task task : tasks) {
            state = state.putTask(task);
        }
        return state;
    }

    /** Rebuilds a state from a snapshot's collections, with the self-registrations. */
    public static ClusterState of(long index, Collection<Service> services, Collection<Task> tasks,
                                  Collection<Node> nodes, ClusterConfig cluster,
                                  Collection<io.flotilla.model.Registration> registrations) {
        ClusterState state = of(index, services, tasks, nodes, cluster);
        Registrations all = Registrations.EMPTY;
        for (io.flotilla.model.Registration registration : registrations) {
            all = all.put(registration);
        }
        return state.withRegistrations(all);
    }

    public long index() {
        return index;
    }

    public Collection<Service> services() {
        return services.values();
    }

    public Optional<Service> service(String id) {
        return Optional.ofNullable(services.get(id));
    }

    public Optional<Service> serviceByName(String name) {
        String id = serviceIdsByName.get(name);
        return id == null ? Optional.empty() : service(id);
    }

    /** A service by full name, id, or unique id prefix (as the Docker CLI resolves them). */
    public Optional<Service> findService(String nameOrId) {
        Optional<Service> byName = serviceByName(nameOrId);
        if (byName.isPresent()) {
            return byName;
        }
        Optional<Service> byId = service(nameOrId);
        if (byId.isPresent()) {
            return byId;
        }
        List<Service> prefixed = services.values().stream().filter(s -> s.id().startsWith(nameOrId)).toList();
        return prefixed.size() == 1 ? Optional.of(prefixed.getFirst()) : Optional.empty();
    }

    public List<Service> servicesOfStack(String stack) {
        return services.values().stream().filter(s -> stack.equals(s.spec().stack())).toList();
    }

    /** Stack names, sorted. */
    public Set<String> stacks() {
        TreeSet<String> names = new TreeSet<>();
        for (Service service : services.values()) {
            if (service.spec().stack() != null) {
                names.add(service.spec().stack());
            }
        }
        return names;
    }

    public Collection<Task> tasks() {
        return tasks.values();
    }

    public Optional<Task> task(String id) {
        return Optional.ofNullable(tasks.get(id));
    }

    public List<Task> tasksOfService(String serviceId) {
        return lookup(taskIdsByService.get(serviceId));
    }

    public List<Task> tasksOfNode(String nodeId) {
        return lookup(taskIdsByNode.get(nodeId));
    }

    private List<Task> lookup(PSet<String> ids) {
        if (ids == null) {
            return List.of();
        }
        List<Task> result = new ArrayList<>(ids.size());
        for (String id : ids) {
            result.add(tasks.get(id));
        }
        return result;
    }

    /**
     * True if what node {@code nodeId} must run (its tasks, or the ports published with them) may
     * have changed since the state with index {@code index}. Never false when it did change; may
     * be true when it did not (a snapshot load counts as a change).
     */
    public boolean nodeTasksChangedSince(String nodeId, long index) {
        Long changed = nodeTasksChangedAt.get(nodeId);
        return portsChangedAt > index || (changed != null && changed > index);
    }

    /** The cluster's identity and join tokens, or null before the cluster was initialized. */
    public ClusterConfig cluster() {
        return cluster;
    }

    /** The self-registrations of services Flotilla does not run (discovery). */
    public Registrations registrations() {
        return registrations;
    }

    public Collection<Node> nodes() {
        return nodes.values();
    }

    public Optional<Node> node(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    // ---- copy-on-write building blocks, used by StateMachine only ----

    ClusterState withCluster(ClusterConfig newCluster) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsByService, taskIdsByNode, nodes,
                newCluster, nodeTasksChangedAt, portsChangedAt, registrations);
    }

    ClusterState withRegistrations(Registrations newRegistrations) {
        ClusterState s = this;
        return new ClusterState(s.index, s.services, s.serviceIdsByName, s.tasks, s.taskIdsByService, s.taskIdsByNode,
                s.nodes, s.cluster, s.nodeTasksChangedAt, s.portsChangedAt, newRegistrations);
    }

    ClusterState withIndex(long newIndex) {
        return new ClusterState(newIndex, services, serviceIdsByName, tasks, taskIdsByService, taskIdsByNode, nodes, cluster,
                nodeTasksChangedAt, portsChangedAt, registrations);
    }

    ClusterState putService(Service service) {
        PMap<String, String> names = serviceIdsByName;
        Service old = services.get(service.id());
        if (old != null && !old.spec().name().equals(service.spec().name())) {
            names = names.minus(old.spec().name());
        }
        long ports = old != null && !old.spec().ports().equals(service.spec().ports()) ? index + 1 : portsChangedAt;
        return new ClusterState(index, services.plus(service.id(), service),
                names.plus(service.spec().name(), service.id()), tasks, taskIdsByService, taskIdsByNode, nodes, cluster,
                nodeTasksChangedAt, ports, registrations);
    }

    ClusterState removeService(String serviceId) {
        Service old = services.get(serviceId);
        if (old == null) {
            return this;
        }
        long ports = old.spec().ports().isEmpty() ? portsChangedAt : index + 1;
        return new ClusterState(index, services.minus(serviceId), serviceIdsByName.minus(old.spec().name()), tasks,
                taskIdsByService, taskIdsByNode, nodes, cluster, nodeTasksChangedAt, ports, registrations);
    }

    ClusterState putTask(Task task) {
        Task old = tasks.get(task.id());
        PMap<String, PSet<String>> byNode = taskIdsByNode;
        if (old != null && old.nodeId() != null && !old.nodeId().equals(task.nodeId())) {
            byNode = removeFrom(byNode, old.nodeId(), task.id());
        }
        if (task.nodeId() != null) {
            byNode = addTo(byNode, task.nodeId(), task.id());
        }
        PMap<String, Long> changed = nodeTasksChangedAt;
        if (old != null && old.nodeId() != null) {
            changed = changed.plus(old.nodeId(), index + 1);
        }
        if (task.nodeId() != null) {
            changed = changed.plus(task.nodeId(), index + 1);
        }
        return new ClusterState(index, services, serviceIdsByName, tasks.plus(task.id(), task),
                addTo(taskIdsByService, task.serviceId(), task.id()), byNode, nodes, cluster, changed, portsChangedAt, registrations);
    }

    ClusterState removeTask(String taskId) {
        Task old = tasks.get(taskId);
        if (old == null) {
            return this;
        }
        PMap<String, PSet<String>> byNode = old.nodeId() == null ? taskIdsByNode
                : removeFrom(taskIdsByNode, old.nodeId(), taskId);
        PMap<String, Long> changed = old.nodeId() == null ? nodeTasksChangedAt
                : nodeTasksChangedAt.plus(old.nodeId(), index + 1);
        return new ClusterState(index, services, serviceIdsByName, tasks.minus(taskId),
                removeFrom(taskIdsByService, old.serviceId(), taskId), byNode, nodes, cluster, changed, portsChangedAt, registrations);
    }

    ClusterState putNode(Node node) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsByService, taskIdsByNode,
                nodes.plus(node.id(), node), cluster, nodeTasksChangedAt, portsChangedAt, registrations);
    }

    ClusterState removeNode(String nodeId) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsByService, taskIdsByNode,
                nodes.minus(nodeId), cluster, nodeTasksChangedAt, portsChangedAt, registrations);
    }

    private static PMap<String, PSet<String>> addTo(PMap<String, PSet<String>> index, String key, String id) {
        PSet<String> ids = index.get(key);
        return index.plus(key, ids == null ? HashTreePSet.singleton(id) : ids.plus(id));
    }

    private static PMap<String, PSet<String>> removeFrom(PMap<String, PSet<String>> index, String key, String id) {
        PSet<String> ids = index.get(key);
        if (ids == null) {
            return index;
        }
        PSet<String> left = ids.minus(id);
        return left.isEmpty() ? index.minus(key) : index.plus(key, left);
    }
}
