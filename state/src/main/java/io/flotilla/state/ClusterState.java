package io.flotilla.state;

import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.Volume;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.pcollections.HashTreePMap;
import org.pcollections.HashTreePSet;
import org.pcollections.PMap;
import org.pcollections.PSet;
import org.pcollections.PSortedSet;
import org.pcollections.TreePSet;

/**
 * The whole replicated state of the cluster, immutable. {@link StateMachine#apply} makes a new
 * one from an old one and a command; anyone may hold a ClusterState as long as they like (the
 * scheduler and reconciler work on one without locks).
 *
 * <p>Invariants kept by apply: every task in {@code taskIdsBySlot} and {@code taskIdsByNode} is in
 * {@code tasks} and vice versa; {@code unplaced} holds exactly the tasks desired RUNNING and not yet ASSIGNED; service names are unique; {@code index} is the last Raft log
 * index applied (0 for an empty state).
 */
public final class ClusterState {
    /**
     * The order in which the scheduler considers unplaced tasks: pre-placed (global) ones first since
     * they have no choice, then by service, version, slot and id.
     */
    public static final Comparator<Task> PLACEMENT_ORDER = Comparator.comparing((Task t) -> t.nodeId() == null)
            .thenComparing(Task::serviceId)
            .thenComparingLong(Task::serviceVersion)
            .thenComparingInt(Task::slot)
            .thenComparing(Task::id);

    public static final ClusterState EMPTY = new ClusterState(0, HashTreePMap.empty(), HashTreePMap.empty(),
            HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(), null,
            HashTreePMap.empty(), 0, Registrations.EMPTY, TreePSet.empty(PLACEMENT_ORDER), HashTreePMap.empty());

    private final long index;
    private final PMap<String, Service> services;
    private final PMap<String, String> serviceIdsByName;
    private final PMap<String, Task> tasks;
    /**
     * Per service, per slot key ({@link #slotKey}), the ids of the slot's tasks (its history): a
     * reconcile pass over a few changed slots of a service with a million finds them without a walk.
     * A value is the one task id (a String: most slots have one task, and a one-element set costs
     * ≈ 150 bytes more per task) or a {@code PSet<String>} of two or more.
     */
    private final PMap<String, PMap<Object, Object>> taskIdsBySlot;
    /**
     * Tasks desired RUNNING and not yet ASSIGNED, in {@link #PLACEMENT_ORDER}: what the scheduler
     * looks at, without a walk over every task. Derived, rebuilt on snapshot load.
     */
    private final PSortedSet<Task> unplaced;
    private final PMap<String, PSet<String>> taskIdsByNode;
    private final PMap<String, Node> nodes;
    /** Self-registrations (discovery). */
    private final Registrations registrations;
    /** The cluster's identity and join tokens; null until {@code flotilla init} sets them. */
    private final ClusterConfig cluster;
    /**
     * Per node, stamps of the last change to its tasks: greater than the index of every state
     * before the change, at most the index of the state that made it (the index before the change
     * plus one, since apply sets the new index last). Lets the dispatcher answer a node's long
     * poll only when its assignment set may have changed, and at once only when more than a
     * status changed ({@link NodeStamps}). Derived, not replicated: rebuilt with the rest on
     * snapshot load.
     */
    private final PMap<String, NodeStamps> nodeTasksChangedAt;
    /** Named volumes by name (see {@link Volume}). */
    private final PMap<String, Volume> volumes;
    /** The same stamp for a change of any service's published ports (they go into every assignment set). */
    private final long portsChangedAt;

    ClusterState(long index, PMap<String, Service> services, PMap<String, String> serviceIdsByName,
                 PMap<String, Task> tasks, PMap<String, PMap<Object, Object>> taskIdsBySlot,
                 PMap<String, PSet<String>> taskIdsByNode, PMap<String, Node> nodes, ClusterConfig cluster,
                 PMap<String, NodeStamps> nodeTasksChangedAt, long portsChangedAt,
                 Registrations registrations, PSortedSet<Task> unplaced, PMap<String, Volume> volumes) {
        this.volumes = volumes;
        this.unplaced = unplaced;
        this.registrations = registrations;
        this.nodeTasksChangedAt = nodeTasksChangedAt;
        this.portsChangedAt = portsChangedAt;
        this.cluster = cluster;
        this.index = index;
        this.services = services;
        this.serviceIdsByName = serviceIdsByName;
        this.tasks = tasks;
        this.taskIdsBySlot = taskIdsBySlot;
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
        PMap<Object, Object> slots = taskIdsBySlot.get(serviceId);
        if (slots == null) {
            return List.of();
        }
        List<Task> result = new ArrayList<>();
        for (Object ids : slots.values()) {
            addTasks(ids, result);
        }
        return result;
    }

    /** The tasks (current and past) of one slot of a service; see {@link #slotKey}. */
    public List<Task> tasksOfSlot(String serviceId, Object slotKey) {
        PMap<Object, Object> slots = taskIdsBySlot.get(serviceId);
        Object ids = slots == null ? null : slots.get(slotKey);
        if (ids == null) {
            return List.of();
        }
        List<Task> result = new ArrayList<>(ids instanceof String ? 1 : ((PSet<?>) ids).size());
        addTasks(ids, result);
        return result;
    }

    @SuppressWarnings("unchecked")
    private void addTasks(Object ids, List<Task> into) {
        if (ids instanceof String id) {
            into.add(tasks.get(id));
        } else {
            for (String id : (PSet<String>) ids) {
                into.add(tasks.get(id));
            }
        }
    }

    /**
     * Which slot of its service a task fills: its slot number for a replicated task, its node id
     * for a global one (slot 0; "" before it has a node).
     */
    public static Object slotKey(Task task) {
        return slotKey(task.slot(), task.nodeId());
    }

    /** The slot key of replicated slot {@code number} (1 and up), or of the global slot on {@code nodeId} (number 0). */
    public static Object slotKey(int number, String nodeId) {
        return number > 0 ? (Object) number : (nodeId == null ? "" : nodeId);
    }

    /** How many slots of the service have tasks (current or past). */
    public int slotCount(String serviceId) {
        PMap<Object, Object> slots = taskIdsBySlot.get(serviceId);
        return slots == null ? 0 : slots.size();
    }

    /** Ids of the services that have tasks, including services already removed whose tasks are still stopping. */
    public Set<String> serviceIdsWithTasks() {
        return taskIdsBySlot.keySet();
    }

    /** Ids of the nodes that have tasks, including nodes already removed. */
    public Set<String> nodeIdsWithTasks() {
        return taskIdsByNode.keySet();
    }

    /** Tasks desired RUNNING and not yet ASSIGNED, in {@link #PLACEMENT_ORDER}. */
    public Collection<Task> unplacedTasks() {
        return unplaced;
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
     * True if what node {@code nodeId} must run (its tasks, their desired states and templates,
     * the ports published with them) may have changed since the state with index {@code index}:
     * anything but the status of a task it already has, which stays in its set. Never false when
     * it did change; may be true when it did not (a snapshot load counts as a change).
     */
    public boolean nodeTasksChangedSince(String nodeId, long index) {
        NodeStamps changed = nodeTasksChangedAt.get(nodeId);
        return portsChangedAt > index || (changed != null && changed.tasks() > index);
    }

    /**
     * The stamp of the last change to what node {@code nodeId} must run (0 if none): equal stamps
     * mean the same tasks, templates and ended-or-not states (statuses aside), so a value derived
     * from those alone may be kept while the stamp stays.
     */
    public long nodeTasksStamp(String nodeId) {
        NodeStamps changed = nodeTasksChangedAt.get(nodeId);
        return changed == null ? 0 : changed.tasks();
    }

    /**
     * True if node {@code nodeId}'s assignment set may differ in any way from the one at index
     * {@code index}: {@link #nodeTasksChangedSince}, or a status of one of its tasks (a report of
     * the node applied, which the agent learns from its set).
     */
    public boolean nodeSetChangedSince(String nodeId, long index) {
        NodeStamps changed = nodeTasksChangedAt.get(nodeId);
        return portsChangedAt > index || (changed != null && changed.set() > index);
    }

    /**
     * A node's change stamps: {@code tasks}, the last change to what it must run; {@code set}, the
     * last change of any kind to its set, a task's status included ({@code set >= tasks}).
     */
    record NodeStamps(long tasks, long set) {}

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

    public Collection<Volume> volumes() {
        return volumes.values();
    }

    public Optional<Volume> volume(String name) {
        return Optional.ofNullable(volumes.get(name));
    }

    /** The volumes a stack's file declared (external ones excluded), by name. */
    public List<Volume> volumesOfStack(String stack) {
        return volumes.values().stream().filter(v -> stack.equals(v.stack()) && !v.options().external())
                .sorted(java.util.Comparator.comparing(Volume::name)).toList();
    }

    /**
     * Tasks that use the named volume (directly or as their slot's volume) and are still wanted:
     * desired RUNNING and not terminal. A task being shut down no longer counts. A walk over every
     * task: for many volumes at once use {@link #tasksByVolume()}.
     */
    public List<Task> tasksUsingVolume(String name) {
        return tasksByVolume().getOrDefault(name, List.of());
    }

    /** {@link #tasksUsingVolume} of every volume in use, in one walk over the tasks. */
    public java.util.Map<String, List<Task>> tasksByVolume() {
        java.util.Map<String, List<Task>> users = new java.util.HashMap<>();
        for (Task task : tasks.values()) {
            if (task.state().isTerminal() || task.desiredState() != TaskState.RUNNING || task.spec().volumes().isEmpty()) {
                continue;
            }
            boolean stateful = Optional.ofNullable(services.get(task.serviceId())).map(s -> s.spec().stateful()).orElse(false);
            Set<String> names = new java.util.HashSet<>();
            for (io.flotilla.model.VolumeMount mount : task.spec().volumes()) {
                String name = mount.instanceName(task.slot(), stateful);
                if (name != null && names.add(name)) {
                    users.computeIfAbsent(name, n -> new ArrayList<>()).add(task);
                }
            }
        }
        return users;
    }

    // ---- copy-on-write building blocks, used by StateMachine only ----

    ClusterState putVolume(Volume volume) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsBySlot, taskIdsByNode, nodes, cluster,
                nodeTasksChangedAt, portsChangedAt, registrations, unplaced, volumes.plus(volume.name(), volume));
    }

    ClusterState removeVolume(String name) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsBySlot, taskIdsByNode, nodes, cluster,
                nodeTasksChangedAt, portsChangedAt, registrations, unplaced, volumes.minus(name));
    }

    ClusterState withCluster(ClusterConfig newCluster) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsBySlot, taskIdsByNode, nodes,
                newCluster, nodeTasksChangedAt, portsChangedAt, registrations, unplaced, volumes);
    }

    ClusterState withRegistrations(Registrations newRegistrations) {
        ClusterState s = this;
        return new ClusterState(s.index, s.services, s.serviceIdsByName, s.tasks, s.taskIdsBySlot, s.taskIdsByNode,
                s.nodes, s.cluster, s.nodeTasksChangedAt, s.portsChangedAt, newRegistrations, s.unplaced, s.volumes);
    }

    ClusterState withIndex(long newIndex) {
        return new ClusterState(newIndex, services, serviceIdsByName, tasks, taskIdsBySlot, taskIdsByNode, nodes, cluster,
                nodeTasksChangedAt, portsChangedAt, registrations, unplaced, volumes);
    }

    ClusterState putService(Service service) {
        PMap<String, String> names = serviceIdsByName;
        Service old = services.get(service.id());
        if (old != null && !old.spec().name().equals(service.spec().name())) {
            names = names.minus(old.spec().name());
        }
        long ports = old != null && !old.spec().ports().equals(service.spec().ports()) ? index + 1 : portsChangedAt;
        return new ClusterState(index, services.plus(service.id(), service),
                names.plus(service.spec().name(), service.id()), tasks, taskIdsBySlot, taskIdsByNode, nodes, cluster,
                nodeTasksChangedAt, ports, registrations, unplaced, volumes);
    }

    ClusterState removeService(String serviceId) {
        Service old = services.get(serviceId);
        if (old == null) {
            return this;
        }
        long ports = old.spec().ports().isEmpty() ? portsChangedAt : index + 1;
        return new ClusterState(index, services.minus(serviceId), serviceIdsByName.minus(old.spec().name()), tasks,
                taskIdsBySlot, taskIdsByNode, nodes, cluster, nodeTasksChangedAt, ports, registrations, unplaced, volumes);
    }

    ClusterState putTask(Task task) {
        Task old = tasks.get(task.id());
        PMap<String, PSet<String>> byNode = taskIdsByNode;
        if (old != null && old.nodeId() != null && !old.nodeId().equals(task.nodeId())) {
            byNode = removeFrom(byNode, old.nodeId(), task.id());
        }
        if (task.nodeId() != null && (old == null || !task.nodeId().equals(old.nodeId()))) {
            byNode = addTo(byNode, task.nodeId(), task.id()); // a status change leaves the index as it is
        }
        PMap<String, NodeStamps> changed = nodeTasksChangedAt;
        boolean statusOnly = statusOnly(old, task);
        if (old != null && old.nodeId() != null) {
            changed = stamp(changed, old.nodeId(), statusOnly);
        }
        if (task.nodeId() != null) {
            changed = stamp(changed, task.nodeId(), statusOnly);
        }
        PSortedSet<Task> toPlace = old != null && isUnplaced(old) ? unplaced.minus(old) : unplaced;
        if (isUnplaced(task)) {
            toPlace = toPlace.plus(task);
        }
        PMap<String, PMap<Object, Object>> bySlot = taskIdsBySlot;
        if (old != null && !slotKey(old).equals(slotKey(task))) {
            bySlot = removeFromSlot(bySlot, old);
        }
        if (old == null || !slotKey(old).equals(slotKey(task))) {
            bySlot = addToSlot(bySlot, task);
        }
        return new ClusterState(index, services, serviceIdsByName, tasks.plus(task.id(), task),
                bySlot, byNode, nodes, cluster, changed, portsChangedAt, registrations, toPlace, volumes);
    }

    ClusterState removeTask(String taskId) {
        Task old = tasks.get(taskId);
        if (old == null) {
            return this;
        }
        PMap<String, PSet<String>> byNode = old.nodeId() == null ? taskIdsByNode
                : removeFrom(taskIdsByNode, old.nodeId(), taskId);
        PMap<String, NodeStamps> changed = old.nodeId() == null ? nodeTasksChangedAt
                : stamp(nodeTasksChangedAt, old.nodeId(), false);
        return new ClusterState(index, services, serviceIdsByName, tasks.minus(taskId),
                removeFromSlot(taskIdsBySlot, old), byNode, nodes, cluster, changed, portsChangedAt, registrations,
                isUnplaced(old) ? unplaced.minus(old) : unplaced, volumes);
    }

    ClusterState putNode(Node node) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsBySlot, taskIdsByNode,
                nodes.plus(node.id(), node), cluster, nodeTasksChangedAt, portsChangedAt, registrations, unplaced, volumes);
    }

    ClusterState removeNode(String nodeId) {
        return new ClusterState(index, services, serviceIdsByName, tasks, taskIdsBySlot, taskIdsByNode,
                nodes.minus(nodeId), cluster, nodeTasksChangedAt, portsChangedAt, registrations, unplaced, volumes);
    }

    /**
     * The node's stamps set to {@code index + 1} (only {@code set} for a status-only change); no
     * new map when they already are (many tasks of one node in one command).
     */
    private PMap<String, NodeStamps> stamp(PMap<String, NodeStamps> changed, String nodeId, boolean statusOnly) {
        long at = index + 1;
        NodeStamps stamps = changed.get(nodeId);
        long tasksAt = statusOnly && stamps != null ? stamps.tasks() : at;
        if (stamps != null && stamps.tasks() == tasksAt && stamps.set() == at) {
            return changed;
        }
        return changed.plus(nodeId, new NodeStamps(tasksAt, at));
    }

    /**
     * Whether {@code task} differs from {@code old} only in a status that keeps it in its node's
     * set (assigned or later, not ended): the agent reported it, and nothing it must do changed.
     */
    private static boolean statusOnly(Task old, Task task) {
        return old != null && old.nodeId() != null && old.nodeId().equals(task.nodeId())
                && old.state().compareTo(TaskState.ASSIGNED) >= 0 && !old.state().isTerminal()
                && !task.state().isTerminal() && old.withStatus(task.status()).equals(task);
    }

    private static boolean isUnplaced(Task task) {
        return task.desiredState() == TaskState.RUNNING && task.state().compareTo(TaskState.ASSIGNED) < 0;
    }

    @SuppressWarnings("unchecked")
    private static PMap<String, PMap<Object, Object>> addToSlot(PMap<String, PMap<Object, Object>> index, Task task) {
        PMap<Object, Object> slots = index.get(task.serviceId());
        Object key = slotKey(task);
        Object ids = slots == null ? null : slots.get(key);
        Object added = ids == null ? task.id()
                : ids instanceof String one ? HashTreePSet.singleton(one).plus(task.id())
                : ((PSet<String>) ids).plus(task.id());
        return index.plus(task.serviceId(), (slots == null ? HashTreePMap.<Object, Object>empty() : slots).plus(key, added));
    }

    @SuppressWarnings("unchecked")
    private static PMap<String, PMap<Object, Object>> removeFromSlot(PMap<String, PMap<Object, Object>> index, Task task) {
        PMap<Object, Object> slots = index.get(task.serviceId());
        Object key = slotKey(task);
        Object ids = slots == null ? null : slots.get(key);
        if (ids == null) {
            return index;
        }
        Object left;
        if (ids instanceof String one) {
            left = one.equals(task.id()) ? null : one;
        } else {
            PSet<String> rest = ((PSet<String>) ids).minus(task.id());
            left = rest.size() == 1 ? rest.iterator().next() : rest;
        }
        PMap<Object, Object> slotsLeft = left == null ? slots.minus(key) : slots.plus(key, left);
        return slotsLeft.isEmpty() ? index.minus(task.serviceId()) : index.plus(task.serviceId(), slotsLeft);
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
