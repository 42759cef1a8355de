package io.flotilla.state;

import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Node;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.Volume;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The whole replicated state of the cluster, immutable. {@link StateMachine#apply} makes a new
 * one from an old one and a command; anyone may hold a ClusterState as long as they like (the
 * scheduler and reconciler work on one without locks).
 *
 * <p>It is a composition of one table per kind, each immutable and keeping its own invariants:
 * {@link ServiceTable} (service names are unique), {@link TaskTable} (the tasks and their
 * indexes), {@link NodeTable}, {@link VolumeTable}, {@link Registrations}, {@link NetworkTable}
 * (networks and their addresses) and {@link ImageTable}; plus the cluster's identity and {@code index}, the last Raft log
 * index applied (0 for an empty state), and the stamps of the nodes' assignment sets
 * ({@link AssignmentStamps}), which apply sets from what each command changed ({@link Changes}) and
 * {@link #stamps()} reads.
 * This class answers what spans tables.
 */
public final class ClusterState {
    /**
     * The order in which the scheduler considers unplaced tasks: pre-placed (global) ones first since
     * they have no choice, then by service, version, slot and id.
     */
    public static final Comparator<Task> PLACEMENT_ORDER = TaskTable.PLACEMENT_ORDER;

    public static final ClusterState EMPTY = new ClusterState(0, ServiceTable.EMPTY, TaskTable.EMPTY, NodeTable.EMPTY,
            VolumeTable.EMPTY, Registrations.EMPTY, null, AssignmentStamps.EMPTY, Changes.Written.NONE,
            NetworkTable.EMPTY, FileTable.EMPTY, ImageTable.EMPTY, EventLog.EMPTY, LoginRedemptions.EMPTY);

    private final long index;
    private final ServiceTable services;
    private final TaskTable tasks;
    private final NodeTable nodes;
    private final VolumeTable volumes;
    /** Self-registrations (discovery). */
    private final Registrations registrations;
    /** The cluster's identity and join tokens; null until {@code flotilla init} sets them. */
    private final ClusterConfig cluster;
    /** The stamps of the nodes' assignment sets, set by apply from its changes. */
    private final AssignmentStamps stamps;
    /**
     * Where the building blocks below note what they write: inside apply, the one record its states
     * share (on its one thread); {@link Changes.Written#NONE} in every state apply returns.
     */
    private final Changes.Written written;
    /** The networks and their addresses; apply keeps them in step with the tasks ({@link NetworkFollow}). */
    private final NetworkTable networks;
    private final FileTable files;
    private final ImageTable images;
    /** The last events derived from the log ({@link EventLog}): apply appends, snapshots keep them. */
    private final EventLog events;
    /** Dashboard login links used, until they expire ({@link LoginRedemptions}). */
    private final LoginRedemptions logins;

    private ClusterState(long index, ServiceTable services, TaskTable tasks, NodeTable nodes, VolumeTable volumes,
                         Registrations registrations, ClusterConfig cluster, AssignmentStamps stamps,
                         Changes.Written written, NetworkTable networks, FileTable files,
                         ImageTable images, EventLog events, LoginRedemptions logins) {
        this.index = index;
        this.services = services;
        this.tasks = tasks;
        this.nodes = nodes;
        this.volumes = volumes;
        this.registrations = registrations;
        this.cluster = cluster;
        this.stamps = stamps;
        this.written = written;
        this.networks = networks;
        this.files = files;
        this.images = images;
        this.events = events;
        this.logins = logins;
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
        return state.withStamps(state.stamps.all(state.nodeIdsWithTasks(), index + 1));
    }

    public long index() {
        return index;
    }

    // ---- services ----

    public Collection<Service> services() {
        return services.all();
    }

    public Optional<Service> service(String id) {
        return services.get(id);
    }

    public Optional<Service> serviceByName(String name) {
        return services.byName(name);
    }

    /** A service by full name, id, or unique id prefix (as the Docker CLI resolves them). */
    public Optional<Service> findService(String nameOrId) {
        return services.find(nameOrId);
    }

    public List<Service> servicesOfStack(String stack) {
        return services.ofStack(stack);
    }

    /** Stack names, sorted. */
    public Set<String> stacks() {
        return services.stacks();
    }

    // ---- tasks ----

    public Collection<Task> tasks() {
        return tasks.all();
    }

    public Optional<Task> task(String id) {
        return tasks.get(id);
    }

    public List<Task> tasksOfService(String serviceId) {
        return tasks.ofService(serviceId);
    }

    /** The tasks (current and past) of one slot of a service; see {@link #slotKey}. */
    public List<Task> tasksOfSlot(String serviceId, Object slotKey) {
        return tasks.ofSlot(serviceId, slotKey);
    }

    /**
     * Which slot of its service a task fills: its slot number for a replicated task, its node id
     * for a global one (slot 0; "" before it has a node).
     */
    public static Object slotKey(Task task) {
        return TaskTable.slotKey(task);
    }

    /** The slot key of replicated slot {@code number} (1 and up), or of the global slot on {@code nodeId} (number 0). */
    public static Object slotKey(int number, String nodeId) {
        return TaskTable.slotKey(number, nodeId);
    }

    /** How many slots of the service have tasks (current or past). */
    public int slotCount(String serviceId) {
        return tasks.slotCount(serviceId);
    }

    /** Ids of the services that have tasks, including services already removed whose tasks are still stopping. */
    public Set<String> serviceIdsWithTasks() {
        return tasks.serviceIds();
    }

    /** Ids of the nodes that have tasks, including nodes already removed. */
    public Set<String> nodeIdsWithTasks() {
        return tasks.nodeIds();
    }

    /** Tasks desired RUNNING and not yet ASSIGNED, in {@link #PLACEMENT_ORDER}. */
    public Collection<Task> unplacedTasks() {
        return tasks.unplaced();
    }

    public List<Task> tasksOfNode(String nodeId) {
        return tasks.ofNode(nodeId);
    }

    /** What may have changed for a node since an earlier state: its tasks, its assignment set, its session. */
    public StateStamps stamps() {
        return new StateStamps(stamps, networks);
    }

    // ---- the cluster, registrations, nodes, volumes ----

    /** The cluster's identity and join tokens, or null before the cluster was initialized. */
    public ClusterConfig cluster() {
        return cluster;
    }

    /** The self-registrations of services Flotilla does not run (discovery). */
    public Registrations registrations() {
        return registrations;
    }

    public Collection<Node> nodes() {
        return nodes.all();
    }

    public Optional<Node> node(String id) {
        return nodes.get(id);
    }

    public Collection<Volume> volumes() {
        return volumes.all();
    }

    public Optional<Volume> volume(String name) {
        return volumes.get(name);
    }

    /** The networks, and the addresses of tasks, services and nodes on them. */
    public NetworkTable networks() {
        return networks;
    }

    /** The secrets and configs, their content sealed. */
    public FileTable files() {
        return files;
    }

    /** The volumes a stack's file declared (external ones excluded), by name. */
    public List<Volume> volumesOfStack(String stack) {
        return volumes.ofStack(stack);
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
    public Map<String, List<Task>> tasksByVolume() {
        return VolumeTable.users(tasks.all(), id -> services.get(id).map(s -> s.spec().stateful()).orElse(false));
    }

    // ---- copy-on-write building blocks, used by StateMachine only ----
    // Each notes what it writes while apply records (see Changes.Written): its changes are computed from those.

    /** This state, noting what the building blocks write into {@code into}. */
    ClusterState recording(Changes.Written into) {
        return new ClusterState(index, services, tasks, nodes, volumes, registrations,
                cluster, stamps, into, networks, files, images, events, logins);
    }

    /**
     * This state at {@code newIndex}, after {@code changes} from the state {@code before}: the
     * stamps of the nodes' sets and sessions follow them.
     */
    ClusterState applied(long newIndex, Changes changes, ClusterState before) {
        return new ClusterState(newIndex, services, tasks, nodes, volumes, registrations, cluster,
                stamps.after(changes, before, this, index + 1), Changes.Written.NONE, networks, files, images, events, logins);
    }

    private ClusterState with(ServiceTable newServices, TaskTable newTasks, NodeTable newNodes, VolumeTable newVolumes, Registrations newRegistrations) {
        return new ClusterState(index, newServices, newTasks, newNodes, newVolumes, newRegistrations, cluster, stamps,
                written, networks, files, images, events, logins);
    }

    private ClusterState withStamps(AssignmentStamps newStamps) {
        return new ClusterState(index, services, tasks, nodes, volumes, registrations,
                cluster, newStamps, written, networks, files, images, events, logins);
    }

    ClusterState putVolume(Volume volume) {
        written.volume(volume.name());
        return with(services, tasks, nodes, volumes.put(volume), registrations);
    }

    ClusterState removeVolume(String name) {
        written.volume(name);
        return with(services, tasks, nodes, volumes.remove(name), registrations);
    }

    /** With {@code newNetworks}: apply's Changes find which networks differ by comparing the tables. */
    ClusterState withNetworks(NetworkTable newNetworks) {
        return newNetworks == networks ? this : new ClusterState(index, services, tasks, nodes, volumes, registrations,
                cluster, stamps, written, newNetworks, files, images, events, logins);
    }

    /** With secret or config {@code kind}/{@code name} replaced by {@code file} (null: removed). */
    ClusterState putFile(io.flotilla.model.FileKind kind, String name, io.flotilla.model.ClusterFile file) {
        written.file(io.flotilla.model.ClusterFile.key(kind, name));
        return new ClusterState(index, services, tasks, nodes, volumes, registrations, cluster, stamps, written,
                networks, file == null ? files.remove(kind, name) : files.put(file), images, events, logins);
    }

    /** The images the cluster stores for itself: they change no task or assignment, so apply's Changes ignore them. */
    public ImageTable images() {
        return images;
    }

    /** The cluster's recent events, oldest first (the history {@code GET /v1/events} replays). */
    public EventLog events() {
        return events;
    }

    /** The dashboard login links used and not yet expired. */
    public LoginRedemptions logins() {
        return logins;
    }

    ClusterState withLogins(LoginRedemptions newLogins) {
        return new ClusterState(index, services, tasks, nodes, volumes, registrations, cluster, stamps, written, networks,
                files, images, events, newLogins);
    }

    ClusterState withEvents(EventLog newEvents) {
        return new ClusterState(index, services, tasks, nodes, volumes, registrations, cluster, stamps, written, networks,
                files, images, newEvents, logins);
    }

    ClusterState withImages(ImageTable newImages) {
        return new ClusterState(index, services, tasks, nodes, volumes, registrations, cluster, stamps, written, networks,
                files, newImages, events, logins);
    }

    ClusterState withCluster(ClusterConfig newCluster) {
        return new ClusterState(index, services, tasks, nodes, volumes, registrations,
                newCluster, stamps, written, networks, files, images, events, logins);
    }

    ClusterState putRegistration(Registration registration) {
        written.registration(registration.id());
        return withRegistrations(registrations.put(registration));
    }

    ClusterState removeRegistration(String id) {
        written.registration(id);
        return withRegistrations(registrations.remove(id));
    }

    /** The whole table replaced: for building a state (a snapshot), not for apply, which writes one at a time. */
    ClusterState withRegistrations(Registrations newRegistrations) {
        return with(services, tasks, nodes, volumes, newRegistrations);
    }

    ClusterState withIndex(long newIndex) {
        return new ClusterState(newIndex, services, tasks, nodes, volumes, registrations, cluster, stamps, written,
                networks, files, images, events, logins);
    }

    ClusterState putService(Service service) {
        written.service(service.id());
        return with(services.put(service), tasks, nodes, volumes, registrations);
    }

    ClusterState removeService(String serviceId) {
        ServiceTable left = services.remove(serviceId);
        written.service(serviceId);
        return left == services ? this : with(left, tasks, nodes, volumes, registrations);
    }

    ClusterState putTask(Task task) {
        written.task(task.id());
        return with(services, tasks.put(task), nodes, volumes, registrations);
    }

    ClusterState removeTask(String taskId) {
        TaskTable left = tasks.remove(taskId);
        written.task(taskId);
        return left == tasks ? this : with(services, left, nodes, volumes, registrations);
    }

    ClusterState putNode(Node node) {
        written.node(node.id());
        return with(services, tasks, nodes.put(node), volumes, registrations);
    }

    ClusterState removeNode(String nodeId) {
        written.node(nodeId);
        return with(services, tasks, nodes.remove(nodeId), volumes, registrations);
    }
}
