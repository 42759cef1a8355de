package io.flotilla.state;

import io.flotilla.model.CaRotation;
import io.flotilla.model.ClusterConfig;
import java.util.Collection;
import io.flotilla.model.Node;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.util.HashSet;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * Per node, the stamps of the last change to its assignment set, and the stamp of the last change
 * to any service's published ports (they go into every set): what lets the dispatcher answer a
 * node's long poll only when its set may have changed, and at once only when more than a status
 * changed. Set by apply from its {@link Changes} (its {@code nodeTasks}, {@code nodeStatuses} and
 * {@code publishedPorts}); derived, not replicated: a snapshot load stamps every node with tasks.
 *
 * <p>Also the stamps of what a node's session carries besides its tasks: per node the last change
 * to the node itself ({@code nodes}) or to whether its renewal in a CA rotation is counted, and
 * the last change to any service's spec ({@code serviceSpecs}) and to the cluster's CA (its root,
 * a rotation starting or ending), which every session carries. Not the rest of the cluster's
 * config (tokens, deny list): no session carries it, and each node counted in a rotation wakes
 * only its own poll. A snapshot load stamps every session.
 *
 * <p>And per network the last change to what the sessions of its nodes carry of it
 * ({@code networks}, see {@link #networksTouched}): its addresses, an endpoint's readiness or node,
 * a node's underlay address or state. A node's session changed when a network it has a task on
 * did ({@link StateStamps#nodeSessionChangedSince}); indexed by network, so a poll looks at the
 * few networks, never at tasks, and at nothing when no network changed since it last looked.
 *
 * <p>A stamp is greater than the index of every state before the change and at most the index of
 * the state that made it: the index before the change plus one.
 */
final class AssignmentStamps {
    static final AssignmentStamps EMPTY = new AssignmentStamps(HashTreePMap.empty(), 0, HashTreePMap.empty(), 0, 0,
            HashTreePMap.empty(), 0);

    /**
     * A node's stamps: {@code tasks}, the last change to what it must run; {@code set}, the last
     * change of any kind to its set, a task's status included ({@code set >= tasks}).
     */
    record NodeStamps(long tasks, long set) {}

    private final PMap<String, NodeStamps> byNode;
    private final long portsChangedAt;
    private final PMap<String, Long> nodeChangedAt;
    private final long specsChangedAt;
    private final long caChangedAt;
    private final PMap<String, Long> networkChangedAt;
    /** The greatest of {@code networkChangedAt}: a poll that saw it looks at no network. */
    private final long anyNetworkChangedAt;

    private AssignmentStamps(PMap<String, NodeStamps> byNode, long portsChangedAt, PMap<String, Long> nodeChangedAt,
                             long specsChangedAt, long caChangedAt, PMap<String, Long> networkChangedAt,
                             long anyNetworkChangedAt) {
        this.byNode = byNode;
        this.portsChangedAt = portsChangedAt;
        this.nodeChangedAt = nodeChangedAt;
        this.specsChangedAt = specsChangedAt;
        this.caChangedAt = caChangedAt;
        this.networkChangedAt = networkChangedAt;
        this.anyNetworkChangedAt = anyNetworkChangedAt;
    }

    /**
     * Whether a network on which node {@code nodeId} has a task (in {@code networks}) changed after
     * {@code index}: O(1) when no network did, else O(networks changed since).
     */
    boolean networkOfNodeChangedSince(NetworkTable networks, String nodeId, long index) {
        if (anyNetworkChangedAt <= index) {
            return false;
        }
        for (Map.Entry<String, Long> changed : networkChangedAt.entrySet()) {
            if (changed.getValue() > index) {
                NetworkAddresses entry = networks.entry(changed.getKey());
                if (entry != null && entry.tasksPerNode().containsKey(nodeId)) {
                    return true;
                }
            }
        }
        return false;
    }

    /** The stamp of the last change to what node {@code nodeId}'s session carries (0 if none). */
    long sessionOf(String nodeId) {
        return Math.max(nodeChangedAt.getOrDefault(nodeId, 0L), Math.max(specsChangedAt, caChangedAt));
    }

    long specsChangedAt() {
        return specsChangedAt;
    }

    /** The node's stamps, or null when its tasks never changed. */
    NodeStamps of(String nodeId) {
        return byNode.get(nodeId);
    }

    long portsChangedAt() {
        return portsChangedAt;
    }

    /**
     * Stamped {@code at} by what {@code changes} says changed, the cluster's config going from
     * {@code clusterBefore} to {@code clusterAfter} (this object when nothing did).
     */
    AssignmentStamps after(Changes changes, ClusterState before, ClusterState after, long at) {
        if (changes.nodeTasks().isEmpty() && changes.nodeStatuses().isEmpty() && !changes.publishedPorts()
                && changes.nodes().isEmpty() && !changes.serviceSpecs() && !changes.cluster()
                && changes.networks().isEmpty() && changes.files().isEmpty()) {
            return this;
        }
        ClusterConfig clusterBefore = before.cluster();
        ClusterConfig clusterAfter = after.cluster();
        PMap<String, Long> networksStamped = networkChangedAt;
        Set<String> touched = networksTouched(changes, before, after);
        for (String name : touched) {
            networksStamped = networksStamped.plus(name, at);
        }
        PMap<String, NodeStamps> stamps = byNode;
        for (String nodeId : changes.nodeTasks()) {
            stamps = stamps.plus(nodeId, new NodeStamps(at, at));
        }
        for (String nodeId : nodesUsingFiles(changes.files(), after)) {
            stamps = stamps.plus(nodeId, new NodeStamps(at, at));
        }
        for (String nodeId : changes.nodeStatuses()) {
            NodeStamps old = stamps.get(nodeId);
            stamps = stamps.plus(nodeId, new NodeStamps(old == null ? at : old.tasks(), at));
        }
        PMap<String, Long> nodes = nodeChangedAt;
        for (String nodeId : changes.nodes()) {
            nodes = nodes.plus(nodeId, at);
        }
        boolean ca = false;
        if (changes.cluster()) {
            CaRotation then = clusterBefore == null ? null : clusterBefore.caRotation();
            CaRotation now = clusterAfter == null ? null : clusterAfter.caRotation();
            ca = !Objects.equals(clusterBefore == null ? null : clusterBefore.caRoot(),
                    clusterAfter == null ? null : clusterAfter.caRoot())
                    || !Objects.equals(then == null ? null : then.rootDigest(), now == null ? null : now.rootDigest());
            if (!ca && then != null && now != null) {
                Set<String> counted = new HashSet<>(now.renewed());
                counted.removeAll(then.renewed());
                for (String nodeId : counted) {
                    nodes = nodes.plus(nodeId, at);
                }
            }
        }
        return new AssignmentStamps(stamps, changes.publishedPorts() ? at : portsChangedAt, nodes,
                changes.serviceSpecs() ? at : specsChangedAt, ca ? at : caChangedAt, networksStamped,
                touched.isEmpty() ? anyNetworkChangedAt : at);
    }

    /**
     * The nodes that run a task (assigned, not ended) whose template has one of the secrets or
     * configs {@code files} ({@code kind:name} keys) as a file: a new version goes into their sets.
     * Only the services that use one are looked at, and their tasks.
     */
    static Set<String> nodesUsingFiles(Set<String> files, ClusterState state) {
        Set<String> nodes = new HashSet<>();
        if (files.isEmpty()) {
            return nodes;
        }
        for (io.flotilla.model.Service service : state.services()) {
            if (files.stream().noneMatch(key -> FileTable.mounts(service.spec().task().files(), key))) {
                continue;
            }
            for (Task task : state.tasksOfService(service.id())) {
                if (task.nodeId() != null && task.state().compareTo(TaskState.ASSIGNED) >= 0 && !task.state().isTerminal()
                        && files.stream().anyMatch(key -> FileTable.mounts(task.spec().files(), key))) {
                    nodes.add(task.nodeId());
                }
            }
        }
        return nodes;
    }

    /**
     * The networks whose nodes' sessions must learn of a change: those whose addresses changed
     * ({@link Changes#networks}), those of a task whose endpoint changed (its state, desired state,
     * health or node: what makes it ready), and those of a node whose state or underlay address
     * changed. Only the changed tasks and nodes are looked at.
     */
    static Set<String> networksTouched(Changes changes, ClusterState before, ClusterState after) {
        Set<String> touched = new HashSet<>(changes.networks());
        for (String id : changes.tasks()) {
            Task then = before.task(id).orElse(null);
            Task now = after.task(id).orElse(null);
            if (!EndpointView.of(then).equals(EndpointView.of(now))) {
                for (Task task : new Task[] {then, now}) {
                    if (task != null) {
                        touched.addAll(task.spec().networkNames());
                    }
                }
            }
        }
        for (String id : changes.nodes()) {
            Node then = before.node(id).orElse(null);
            Node now = after.node(id).orElse(null);
            if (then == null || now == null || then.status().state() != now.status().state()
                    || !Objects.equals(then.status().address(), now.status().address())) {
                touched.addAll(before.networks().networksOnNode(id));
                touched.addAll(after.networks().networksOnNode(id));
            }
        }
        return touched;
    }

    /**
     * What of a task decides its endpoint on its networks: whether it is ready (running, wanted
     * running, its health) and where. Not its other states: a task going from PREPARING to STARTING
     * wakes no node.
     */
    private record EndpointView(boolean exists, boolean running, boolean wanted, String health, String nodeId,
                                Object healthcheck) {
        static final EndpointView NONE = new EndpointView(false, false, false, null, null, null);

        static EndpointView of(Task task) {
            return task == null || task.spec().networks().isEmpty() ? NONE
                    : new EndpointView(true, task.state() == TaskState.RUNNING,
                    task.desiredState() == TaskState.RUNNING, task.status().health(), task.nodeId(),
                    task.spec().healthcheck());
        }
    }

    /**
     * Every one of {@code nodeIds} stamped {@code at}, and the services and the cluster (a snapshot
     * load: anything may have changed).
     */
    AssignmentStamps all(Collection<String> nodeIds, long at) {
        PMap<String, NodeStamps> stamps = byNode;
        for (String nodeId : nodeIds) {
            stamps = stamps.plus(nodeId, new NodeStamps(at, at));
        }
        return new AssignmentStamps(stamps, portsChangedAt, nodeChangedAt, at, at, networkChangedAt, anyNetworkChangedAt);
    }
}
