package io.flotilla.manager.cluster;

import io.flotilla.manager.api.ApiException;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeIds;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
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
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.PeerIdentity;
import io.flotilla.security.Pem;
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
 * The cluster's membership: the first manager's bootstrap, joins (checked against the join
 * tokens), the managers' Raft group (add, remove), and the operator's node changes (promote,
 * demote, rm, update). Every change goes through the Raft log or Ratis' own configuration
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

    public ClusterAdmin(String selfId, RaftClusterStore store, InstantSource clock, RandomGenerator random) {
        this(selfId, store, clock, random, null);
    }

    public ClusterAdmin(String selfId, RaftClusterStore store, InstantSource clock, RandomGenerator random, NodeTls tls) {
        this.tls = tls;
        this.selfId = Objects.requireNonNull(selfId, "selfId");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.random = Objects.requireNonNull(random, "random");
    }

    /** First start of the first manager: gives the cluster its id and join tokens. Idempotent. */
    public void initializeIfNew() throws InterruptedException {
        if (store.state().cluster() != null) {
            return;
        }
        String clusterId = new io.flotilla.manager.IdGenerator(random).get().substring(0, 12);
        ClusterConfig config = new ClusterConfig(clusterId, JoinTokens.newToken(clusterId, NodeRole.WORKER, random),
                JoinTokens.newToken(clusterId, NodeRole.MANAGER, random));
        Submissions.await(store.submit(new Command.SetClusterConfig(config)));
        LOG.info("cluster {} initialized", clusterId);
    }

    /** {@code GET /v1/cluster}: id, leader and managers as this manager sees them. */
    public ClusterInfo info() {
        RaftClusterStore.Quorum quorum = store.quorum();
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
        RaftClusterStore.Quorum quorum = store.quorum();
        return managers().stream().filter(m -> m.id().equals(quorum.leaderId())).map(ManagerPeer::apiAddress)
                .findFirst().orElse(null);
    }

    /**
     * {@code POST /v1/cluster/join}: checks the token, registers the node with the token's role.
     * The token is checked before anything else of the request is looked at (its CSR parsed, its
     * id stored). The node id is the joiner's, drawn at random by {@code flotilla join}: it must be
     * a plain id ({@link NodeIds}), and one the cluster has never seen — a node joins once, and a
     * join under a known id would take over that node's identity (its tasks, its role) with nothing
     * but a token, while a removed node's id stays refused.
     */
    public JoinResponse join(JoinRequest request, String remote) throws InterruptedException {
        ClusterState state = store.state();
        ClusterConfig config = state.cluster();
        if (config == null) {
            throw new ApiException(503, "unavailable", "the cluster is not initialized yet");
        }
        String presented = request.token();
        if (tls != null) {
            presented = checkTlsToken(request, remote);
        }
        NodeRole role;
        if (JoinTokens.matches(presented, config.managerToken())) {
            role = NodeRole.MANAGER;
        } else if (JoinTokens.matches(presented, config.workerToken())) {
            role = NodeRole.WORKER;
        } else {
            LOG.warn("join refused: node {} from {} presented an invalid join token", NodeIds.printable(request.nodeId()),
                    remote);
            throw new ApiException(401, "unauthorized", "invalid join token for cluster " + config.clusterId()
                    + " (tokens are shown by `flotilla join-token worker|manager` on a manager)");
        }
        NodeIds.require(request.nodeId());
        if (config.removed(request.nodeId())) {
            throw ApiException.conflict("node id " + request.nodeId() + " belonged to a node removed from the cluster:"
                    + " join with a new data directory (a new id)");
        }
        if (state.node(request.nodeId()).isPresent()) {
            throw ApiException.conflict("node " + request.nodeId() + " is in the cluster already: a node joins once,"
                    + " and restarts on its data directory (flotilla join --data DIR) without joining again");
        }
        if (tls != null) {
            if (request.csr() == null || request.csr().isBlank()) {
                throw ApiException.invalid("csr is required: the joining node sends a certificate signing request for its key");
            }
            CertificateRequests.verifiedPublicKey(request.csr()); // a bad CSR is refused before anything is registered
        }
        String address = hostOf(request.advertise());
        Node node = new Node(request.nodeId(), new NodeSpec(role, null, null),
                new NodeStatus(NodeState.UNKNOWN, request.hostname(), address, null, null, clock.instant(), "joined"));
        Submissions.await(store.submit(new Command.UpsertNode(node)));
        LOG.info("node {} ({}, {}) joined as {}", request.nodeId(), NodeIds.printable(request.hostname()),
                NodeIds.printable(request.advertise()),
                role.name().toLowerCase(java.util.Locale.ROOT));
        if (tls == null) {
            return new JoinResponse(config.clusterId(), request.nodeId(), role, managers());
        }
        CertificateAuthority authority = authority();
        X509Certificate certificate = authority.sign(request.csr(), nodeSubject(request, role, address),
                nodeValidity(), clock.instant());
        LOG.info("signed certificate {} for node {} ({}), valid until {}", certificate.getSerialNumber().toString(16),
                request.nodeId(), role.name().toLowerCase(java.util.Locale.ROOT), certificate.getNotAfter().toInstant());
        return new JoinResponse(config.clusterId(), request.nodeId(), role, managers(), Pem.encode(certificate),
                Pem.encode(authority.certificate()), role == NodeRole.MANAGER ? Pem.encode(authority.key()) : null);
    }

    /** Over TLS: the token must pin this cluster's CA. Returns the token's stored form. */
    private String checkTlsToken(JoinRequest request, String remote) {
        JoinTokens.Parsed parsed;
        try {
            parsed = JoinTokens.parse(request.token());
        } catch (IllegalArgumentException e) {
            LOG.warn("join refused: node {} from {}: {}", NodeIds.printable(request.nodeId()), remote, e.getMessage());
            throw new ApiException(401, "unauthorized", e.getMessage());
        }
        if (!parsed.caDigest().equals(tls.caDigest())) {
            LOG.warn("join refused: node {} from {} presented a token for another cluster CA",
                    NodeIds.printable(request.nodeId()), remote);
            throw new ApiException(401, "unauthorized", "the join token names another cluster CA (digest "
                    + parsed.caDigest().substring(0, 12) + "…, this cluster's is " + tls.caDigest().substring(0, 12) + "…)");
        }
        return parsed.stored();
    }

    private static CertificateSubject nodeSubject(JoinRequest request, NodeRole role, String address) {
        List<String> ips = new ArrayList<>();
        List<String> names = new ArrayList<>();
        (address.matches("[0-9.]+") || address.contains(":") ? ips : names).add(address.replace("[", "").replace("]", ""));
        if (request.hostname() != null && !request.hostname().isBlank() && !names.contains(request.hostname())) {
            names.add(request.hostname());
        }
        return new CertificateSubject(request.nodeId(), role == NodeRole.MANAGER ? CertificateSubject.MANAGER
                : CertificateSubject.WORKER, ips, names);
    }

    /** Node certificates get the validity of this manager's own (set at init, 90 days by default). */
    private java.time.Duration nodeValidity() {
        return CertificateAuthority.validityOf(tls.keyManager().certificate());
    }

    private CertificateAuthority authority() {
        try {
            return tls.authority().orElseThrow(() -> new ApiException(503, "unavailable",
                    "this manager does not hold the cluster CA key (" + tls.directory().caKey() + ")"));
        } catch (IOException e) {
            throw new ApiException(500, "internal", "cannot read the cluster CA: " + e.getMessage());
        }
    }

    /**
     * {@code POST /v1/cluster/certificate}: a new certificate for the key of {@code csr}, for the
     * holder of {@code presented} (verified by TLS): same name and addresses; the role as the
     * state has it now for a node (a node no longer in the cluster, or removed, gets none), admin
     * for admin.
     *
     * <p>The CA key goes only to the holder of an OU=manager certificate whose node the state holds
     * as a manager now. A promoted worker renews twice: its worker certificate gets it a manager's
     * certificate, and that one the key. Whatever a node says of itself elsewhere (a hello, a join)
     * never reaches this decision: roles are set only by join with the manager token and promote.
     */
    public Map<String, Object> renew(X509Certificate presented, String csr) {
        if (tls == null) {
            throw ApiException.notFound("this manager does not serve TLS");
        }
        if (csr == null || csr.isBlank()) {
            throw ApiException.invalid("csr is required");
        }
        CertificateSubject current = PeerIdentity.subjectOf(presented);
        String role;
        boolean sendKey = false;
        if (CertificateSubject.ADMIN.equals(current.role())) {
            role = CertificateSubject.ADMIN;
        } else {
            ClusterState state = store.state();
            String id = current.commonName();
            if (!NodeIds.valid(id) || (state.cluster() != null && state.cluster().removed(id))) {
                throw new ApiException(403, "forbidden", "node " + NodeIds.printable(id) + " was removed from the cluster:"
                        + " it must join again with a new data directory");
            }
            Node node = state.node(id).orElseThrow(() -> new ApiException(403, "forbidden",
                    "node " + id + " is not in the cluster (removed?): it must join again"));
            boolean manager = node.spec().role() == NodeRole.MANAGER;
            role = manager ? CertificateSubject.MANAGER : CertificateSubject.WORKER;
            sendKey = manager && CertificateSubject.MANAGER.equals(current.role());
        }
        CertificateAuthority authority = authority();
        X509Certificate renewed = authority.sign(csr, new CertificateSubject(current.commonName(), role,
                current.ipAddresses(), current.dnsNames()), CertificateAuthority.validityOf(presented), clock.instant());
        LOG.info("renewed the certificate of {} ({}): {} until {}{}", current.commonName(), role,
                renewed.getSerialNumber().toString(16), renewed.getNotAfter().toInstant(), sendKey ? ", with the CA key" : "");
        if (sendKey) {
            // A promoted node holds no CA key yet: a manager must be able to sign joins and renewals
            // even when every manager it joined through is gone.
            return Map.of("certificate", Pem.encode(renewed), "caCertificate", Pem.encode(authority.certificate()),
                    "caKey", Pem.encode(authority.key()));
        }
        return Map.of("certificate", Pem.encode(renewed), "caCertificate", Pem.encode(authority.certificate()));
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
        return tls == null ? config.token(role) : JoinTokens.publicToken(config.token(role), tls.caDigest());
    }

    public ChangeResult promote(String nodeId) throws InterruptedException {
        Node node = find(nodeId);
        if (node.spec().role() == NodeRole.MANAGER) {
            return new ChangeResult(store.state().index(), "node " + nodeId + " is already a manager");
        }
        ClusterState after = Submissions.await(store.submit(new Command.UpdateNodeSpec(nodeId,
                withRole(node.spec(), NodeRole.MANAGER))));
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
        ClusterState after = Submissions.await(store.submit(new Command.UpdateNodeSpec(nodeId,
                withRole(find(nodeId).spec(), NodeRole.WORKER))));
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
            io.flotilla.manager.loops.CommandBatches.submitSplit(store, new Command.UpdateTaskStatuses(null, orphaned));
        }
        ClusterState after = Submissions.await(store.submit(new Command.RemoveNode(nodeId)));
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
        Map<String, String> labels = new LinkedHashMap<>(node.spec().labels());
        for (String pair : request.labelAdd()) {
            int eq = pair.indexOf('=');
            if (eq <= 0) {
                throw ApiException.invalid("label must be key=value: " + pair);
            }
            labels.put(pair.substring(0, eq), pair.substring(eq + 1));
        }
        request.labelRm().forEach(labels::remove);
        NodeAvailability availability = request.availability() == null ? node.spec().availability()
                : request.availability();
        ClusterState after = Submissions.await(store.submit(new Command.UpdateNodeSpec(nodeId,
                new NodeSpec(node.spec().role(), availability, labels))));
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

    private static NodeSpec withRole(NodeSpec spec, NodeRole role) {
        return new NodeSpec(role, spec.availability(), spec.labels());
    }

    static String hostOf(String advertise) {
        String value = advertise.strip();
        int colon = value.lastIndexOf(':');
        if (colon > 0 && !value.endsWith("]") && value.indexOf(':') == colon) {
            return value.substring(0, colon);
        }
        return value;
    }
}
