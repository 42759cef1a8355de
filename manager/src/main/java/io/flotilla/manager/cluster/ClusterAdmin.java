package io.flotilla.manager.cluster;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.Quorum;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.NetworkPool;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.JoinResponse;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.ManagerStatus;
import io.flotilla.state.ClusterState;
import io.flotilla.security.NodeTls;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's membership: the first manager's bootstrap, joins and renewals (through
 * {@link Enrollment}), the managers' Raft group (add, remove), and the operator's node changes
 * (promote, demote, rm, update). Every change goes through the Raft log or Ratis' own configuration
 * change, so it can land on any manager.
 *
 * <p>Invariant kept: a node in the managers' Raft group has role {@code MANAGER} in the state.
 * Raft membership changes first and the role second when a manager leaves (a failed Raft change
 * leaves both as they were); the role is set first when one arrives (at join or promote), and the
 * node itself then asks to be added ({@link #addManager}), which only a {@code MANAGER} may.
 */
public final class ClusterAdmin {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterAdmin.class);
    public static final int DEFAULT_API_PORT = 4780;

    private final String selfId;
    private final RaftClusterStore store;
    private final InstantSource clock;
    private final RandomGenerator random;
    private volatile String selfApi;
    /** This manager's TLS (the CA, to sign joins and renewals); null on a plaintext manager (tests only). */
    private final NodeTls tls;
    /** Joins and renewals: who gets a certificate, with which role. */
    private final Enrollment enrollment;
    /** The root CA and its rotation; null without TLS. */
    private final ClusterCa ca;

    public ClusterAdmin(String selfId, RaftClusterStore store, InstantSource clock, RandomGenerator random) {
        this(selfId, store, clock, random, null);
    }

    public ClusterAdmin(String selfId, RaftClusterStore store, InstantSource clock, RandomGenerator random, NodeTls tls) {
        this.tls = tls;
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
        this.ca = tls == null ? null : new ClusterCa(store, tls, clock);
        this.enrollment = new Enrollment(store, clock, tls, this::managers, ca);
    }

    /** {@link #initializeIfNew(NetworkPool)} with the default network pool. */
    public void initializeIfNew() throws InterruptedException {
        initializeIfNew(NetworkPool.DEFAULT);
    }

    /**
     * First start of the first manager: gives the cluster its id, join tokens and the pool networks'
     * subnets come from ({@code init --network-pool}; fixed from then on, as Swarm's
     * {@code default-addr-pool}). Idempotent.
     */
    public void initializeIfNew(NetworkPool networkPool) throws InterruptedException {
        if (store.state().cluster() != null) {
            return;
        }
        String clusterId = new io.flotilla.manager.IdGenerator(random).get().substring(0, 12);
        ClusterConfig config = new ClusterConfig(clusterId, JoinTokens.newToken(clusterId, NodeRole.WORKER, random),
                JoinTokens.newToken(clusterId, NodeRole.MANAGER, random), null, null, null, networkPool);
        Submissions.await(store.submit(new Command.SetClusterConfig(config)));
        LOG.info("cluster {} initialized", clusterId);
    }

    /**
     * {@code GET /v1/cluster/backup} (admin only): this manager's applied state and the cluster's
     * keys as a {@link BackupFile}, base64 in {@code file}; its {@code index} and {@code term} beside.
     */
    public Map<String, Object> backup() throws IOException {
        byte[] file = ClusterBackup.take(store, tls, clock);
        BackupFile.Header header = BackupFile.parse(file).header();
        return Map.of("file", java.util.Base64.getEncoder().encodeToString(file), "index", header.index(),
                "term", header.term());
    }

    /** {@code GET /v1/cluster}: id, leader and managers as this manager sees them. */
    public ClusterInfo info() {
        Quorum quorum = store.quorum();
        ClusterConfig config = store.state().cluster();
        List<ManagerStatus> managers = new ArrayList<>();
        boolean leading = selfId.equals(quorum.leaderId());
        for (ManagerPeer member : managers()) {
            String status;
            if (member.id().equals(quorum.leaderId())) {
                status = quorum.reachable(member.id()) ? "Leader" : "Unreachable";
            } else if (leading || member.id().equals(selfId)) {
                status = quorum.reachable(member.id()) ? "Reachable" : "Unreachable";
            } else {
                status = "Unknown"; // only the leader hears from every follower
            }
            managers.add(new ManagerStatus(member.id(), member.apiAddress(), member.raftAddress(), status));
        }
        return new ClusterInfo(config == null ? null : config.clusterId(), quorum.leaderId(), quorum.available(),
                managers);
    }

    /**
     * This manager's own API address as bound. Others' are derived from their Raft address (API
     * port = Raft port − 1, the convention every multi-manager cluster follows); a one-manager dev
     * node may use any two ports, so its own entry must not be derived.
     */
    public void selfApi(String hostPort) {
        this.selfApi = hostPort;
    }

    /** The managers as agents and joiners are told of them, with this manager's real API address. */
    public List<ManagerPeer> managers() {
        String own = selfApi;
        return store.members().stream()
                .map(m -> own != null && m.id().equals(selfId) ? new ManagerPeer(m.id(), own, m.raftAddress()) : m)
                .toList();
    }

    /** The managers' API addresses: what agents and joiners are told. */
    public List<String> managerApis() {
        return managers().stream().map(ManagerPeer::apiAddress).toList();
    }

    /** The leader's API address, or null when no leader is known. */
    public String leaderApi() {
        Quorum quorum = store.quorum();
        return managers().stream().filter(m -> m.id().equals(quorum.leaderId())).map(ManagerPeer::apiAddress)
                .findFirst().orElse(null);
    }

    /** {@code POST /v1/cluster/join}: see {@link Enrollment#join}. */
    public JoinResponse join(JoinRequest request, String remote) throws InterruptedException {
        return enrollment.join(request, remote);
    }

    /** The root CA and its rotation ({@code /v1/cluster/ca}); empty on a plaintext manager. */
    public java.util.Optional<ClusterCa> ca() {
        return java.util.Optional.ofNullable(ca);
    }

    /** {@code POST /v1/cluster/certificate}: see {@link Enrollment#renew}. */
    public Map<String, Object> renew(X509Certificate presented, String csr) {
        return enrollment.renew(presented, csr);
    }
    /**
     * {@code POST /v1/cluster/managers}: a node that is a manager in the state (joined with the
     * manager token, or promoted) and has started its Raft peer asks to be added to the group.
     */
    public Map<String, Object> addManager(ManagerPeer peer) throws IOException {
        Node node = store.state().node(peer.id())
                .orElseThrow(() -> ApiException.notFound("no such node: " + peer.id() + " (join first)"));
        if (node.spec().role() != NodeRole.MANAGER) {
            throw new ApiException(403, "forbidden", "node " + peer.id() + " is not a manager: join with the manager"
                    + " token, or have it promoted");
        }
        store.addMember(peer);
        return Map.of("managers", managers());
    }

    /** The join token of {@code role}; with {@code rotate}, a new one first (the old one stops working). */
    public String joinToken(NodeRole role, boolean rotate) throws InterruptedException {
        ClusterConfig config = store.state().cluster();
        if (config == null) {
            throw new ApiException(503, "unavailable", "the cluster is not initialized yet");
        }
        if (rotate) {
            config = config.withToken(role, JoinTokens.newToken(config.clusterId(), role, random));
            config = Submissions.await(store.submit(new Command.SetClusterConfig(config))).cluster();
            LOG.info("the {} join token was rotated", role.name().toLowerCase(java.util.Locale.ROOT));
        }
        return tls == null ? config.token(role) : JoinTokens.publicToken(config.token(role),
                io.flotilla.security.CertificateAuthority.digest(ca.bundle(store.state()).pinned()));
    }

    public ChangeResult promote(String nodeId) throws InterruptedException {
        Node node = find(nodeId);
        if (node.spec().role() == NodeRole.MANAGER) {
            return new ChangeResult(store.state().index(), "node " + nodeId + " is already a manager");
        }
        ClusterState after = Submissions.await(store.submit(new Command.PatchNodeSpec(node.id(),
                io.flotilla.model.NodeSpecPatch.role(NodeRole.MANAGER), clock.instant())));
        return new ChangeResult(after.index(), "node " + nodeId + " promoted to a manager; its running process starts"
                + " its manager role and joins the managers' Raft group within seconds");
    }

    public ChangeResult demote(String nodeId) throws IOException, InterruptedException {
        Node node = find(nodeId);
        boolean member = store.members().stream().anyMatch(m -> m.id().equals(nodeId));
        if (node.spec().role() != NodeRole.MANAGER && !member) {
            return new ChangeResult(store.state().index(), "node " + nodeId + " is already a worker");
        }
        if (member) {
            store.removeMember(nodeId);
        }
        ClusterState after = Submissions.await(store.submit(new Command.PatchNodeSpec(find(nodeId).id(),
                io.flotilla.model.NodeSpecPatch.role(NodeRole.WORKER), clock.instant())));
        return new ChangeResult(after.index(), "node " + nodeId + " demoted to a worker");
    }

    /**
     * Removes a node; one that is up needs {@code force}. A manager leaves the managers' Raft group
     * first, as a demotion does — refused, changing nothing, for the last manager or when the
     * managers left would not have a reachable majority — and its process stops its manager role.
     */
    public ChangeResult remove(String nodeId, boolean force) throws IOException, InterruptedException {
        Node node = find(nodeId);
        if (node.status().state() == NodeState.READY && !force) {
            throw ApiException.conflict("node " + nodeId + " is up: stop it first, or remove it anyway with --force"
                    + " (its tasks are replaced elsewhere" + (node.spec().role() == NodeRole.MANAGER
                    ? "; as a manager it leaves the managers' Raft group first" : "") + ")");
        }
        refuseWhileFencedTasksMayRun(node);
        if (store.members().stream().anyMatch(m -> m.id().equals(nodeId))) {
            store.removeMember(nodeId);
        }
        List<Command.TaskStatusUpdate> orphaned = new ArrayList<>();
        for (Task task : store.state().tasksOfNode(nodeId)) {
            if (!task.state().isTerminal()) {
                orphaned.add(new Command.TaskStatusUpdate(task.id(), TaskStatus.of(TaskState.ORPHANED, clock.instant(),
                        "orphaned").withError("node " + nodeId + " was removed")));
            }
        }
        if (!orphaned.isEmpty()) {
            io.flotilla.manager.raft.CommandBatches.submitSplit(store, new Command.UpdateTaskStatuses(null, orphaned));
        }
        ClusterState after = Submissions.await(store.submit(new Command.RemoveNode(nodeId, clock.instant())));
        return new ChangeResult(after.index(), "node " + nodeId + " removed");
    }

    /**
     * Removing a node orphans its tasks at once, and their replacements start elsewhere. For a
     * fenced task (stateful, or on a shared volume) that could mean two copies: the node's copy may
     * still run until the node's lease expires. So a node that holds a fenced task not yet ended is
     * not removed, even with force: drained first (the task stops before its replacement starts),
     * or, once down, after its lease has expired (the leader orphans such tasks then).
     */
    private void refuseWhileFencedTasksMayRun(Node node) {
        ClusterState state = store.state();
        List<String> fenced = new ArrayList<>();
        for (Task task : state.tasksOfNode(node.id())) {
            if (!task.state().isTerminal()
                    && io.flotilla.scheduler.Fencing.fenced(state.service(task.serviceId()).orElse(null), task)) {
                fenced.add(task.displayName());
            }
        }
        if (fenced.isEmpty()) {
            return;
        }
        String tasks = String.join(", ", fenced.subList(0, Math.min(5, fenced.size())))
                + (fenced.size() > 5 ? " and " + (fenced.size() - 5) + " more" : "");
        throw ApiException.conflict("node " + node.id() + " still holds fenced tasks (" + tasks + "), which must never"
                + " run twice: " + (node.status().state() == NodeState.READY
                ? "drain it first (flotilla node update --availability drain " + node.id() + "), then remove it"
                : "its lease has not expired yet; retry in a few seconds (flotilla service ps says until when)"));
    }

    /** {@code availability}, labels to add ({@code k=v}) and to remove ({@code k}). */
    public ChangeResult update(String nodeId, NodeUpdateRequest request) throws InterruptedException {
        Node node = find(nodeId);
        Map<String, String> labels = new LinkedHashMap<>();
        for (String pair : request.labelAdd()) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw ApiException.invalid("label must be key=value: " + pair);
            }
            labels.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        // the change itself, applied to the spec the entry finds: never this manager's copy of the
        // other labels, which may be behind the log (NodeSpecPatch)
        ClusterState after = Submissions.await(store.submit(new Command.PatchNodeSpec(node.id(),
                new io.flotilla.model.NodeSpecPatch(null, request.availability(), labels, request.labelRm()),
                clock.instant())));
        return new ChangeResult(after.index(), "node " + nodeId + " updated");
    }

    /** A node by id; 404 if unknown. */
    public Node node(String id) {
        return store.state().node(id).orElseThrow(() -> ApiException.notFound("no such node: " + id));
    }

    private Node find(String ref) {
        ClusterState state = store.state();
        return state.node(ref).or(() -> {
            List<Node> matches = state.nodes().stream()
                    .filter(n -> n.id().startsWith(ref) || ref.equals(n.status().hostname())).toList();
            return matches.size() == 1 ? java.util.Optional.of(matches.getFirst()) : java.util.Optional.empty();
        }).orElseThrow(() -> ApiException.notFound("no such node: " + ref));
    }

    /** Resolves a node reference (id, unique id prefix, or hostname) to its id. */
    public String resolve(String ref) {
        return find(ref).id();
    }
}
