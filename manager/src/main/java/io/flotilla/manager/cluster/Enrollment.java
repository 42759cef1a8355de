package io.flotilla.manager.cluster;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeIds;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.JoinResponse;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.PeerIdentity;
import io.flotilla.security.Pem;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Who gets a certificate of the cluster, and with which role: joins (checked against the join
 * tokens) and renewals. The rules that keep a worker a worker live here: the token is checked
 * before anything else of a join is looked at; a node id is plain and used once; the role comes
 * from the token or the state, never from what the node says; the CA key goes only to an
 * OU=manager certificate of a node the state holds as a manager, and so does the cluster data key
 * that seals secrets and configs (docs/secrets.md). See docs/security.md.
 */
final class Enrollment {
    private static final Logger LOG = LoggerFactory.getLogger(Enrollment.class);

    private final RaftClusterStore store;
    private final InstantSource clock;
    /** This manager's TLS (the CA); null on a plaintext manager (tests only). */
    private final NodeTls tls;
    private final Supplier<List<ManagerPeer>> managers;
    /** Which root signs and which roots the cluster trusts (a CA rotation changes both); null without TLS. */
    private final ClusterCa ca;

    Enrollment(RaftClusterStore store, InstantSource clock, NodeTls tls, Supplier<List<ManagerPeer>> managers,
               ClusterCa ca) {
        this.store = store;
        this.clock = clock;
        this.tls = tls;
        this.managers = managers;
        this.ca = ca;
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
        if (tls != null) {
            requireJoinedFrom(address, remote, request.nodeId());
        }
        Node node = new Node(request.nodeId(), new NodeSpec(role, null, null),
                new NodeStatus(NodeState.UNKNOWN, request.hostname(), address, null, null, clock.instant(), "joined"));
        Submissions.await(store.submit(new Command.UpsertNode(node)));
        LOG.info("node {} ({}, {}) joined as {}", request.nodeId(), NodeIds.printable(request.hostname()),
                NodeIds.printable(request.advertise()),
                role.name().toLowerCase(java.util.Locale.ROOT));
        if (tls == null) {
            return new JoinResponse(config.clusterId(), request.nodeId(), role, managers.get());
        }
        ClusterState now = store.state();
        CertificateAuthority authority = ca.signing(now);
        X509Certificate certificate = authority.sign(request.csr(), nodeSubject(request, role, address),
                nodeValidity(), clock.instant());
        LOG.info("signed certificate {} for node {} ({}), valid until {}", certificate.getSerialNumber().toString(16),
                request.nodeId(), role.name().toLowerCase(java.util.Locale.ROOT), certificate.getNotAfter().toInstant());
        ca.issued(request.nodeId(), certificate);
        boolean manager = role == NodeRole.MANAGER;
        return new JoinResponse(config.clusterId(), request.nodeId(), role, managers.get(), Pem.encode(certificate),
                Pem.encodeAll(ca.bundle(now).roots()), manager ? Pem.encode(authority.key()) : null,
                manager ? dataKey() : null);
    }

    /**
     * A node's certificate names the address it joins from, not one it claims: a join whose
     * advertised IP address is not the source of its connection is refused ({@code flotilla join}
     * binds its connection to {@code --advertise}). A worker could otherwise get a certificate for
     * another host's address; it could not serve with it (only managers' certificates are
     * accepted by servers' peers), but nothing should sign what nobody checked.
     */
    private static void requireJoinedFrom(String advertised, String remote, String nodeId) {
        String from = remoteHost(remote);
        boolean literal = advertised.matches("[0-9.]+") || advertised.contains(":");
        if (!literal || from == null) {
            return; // a name: it goes into a manager's certificate only (nodeSubject)
        }
        try {
            if (!java.net.InetAddress.getByName(advertised.replace("[", "").replace("]", ""))
                    .equals(java.net.InetAddress.getByName(from))) {
                LOG.warn("join refused: node {} advertises {} but connected from {}", NodeIds.printable(nodeId),
                        NodeIds.printable(advertised), from);
                throw new ApiException(403, "forbidden", "this node advertises " + advertised + " but its join came from "
                        + from + ": a node's certificate names the address it joins from, so join from that address"
                        + " (flotilla join binds to --advertise when it is an address of this host)");
            }
        } catch (java.net.UnknownHostException e) {
            throw ApiException.invalid("advertise is not an address: " + advertised);
        }
    }

    /** The host of {@code /1.2.3.4:5678} (an InetSocketAddress as text), or null. */
    static String remoteHost(String remote) {
        if (remote == null || remote.isBlank() || remote.equals("null")) {
            return null;
        }
        String value = remote.substring(remote.indexOf('/') + 1);
        int colon = value.lastIndexOf(':');
        return (colon > 0 ? value.substring(0, colon) : value).replace("[", "").replace("]", "");
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
        List<String> digests = ca.bundle(store.state()).digests();
        if (!digests.contains(parsed.caDigest())) {
            LOG.warn("join refused: node {} from {} presented a token for another cluster CA",
                    NodeIds.printable(request.nodeId()), remote);
            throw new ApiException(401, "unauthorized", "the join token names another cluster CA (digest "
                    + parsed.caDigest().substring(0, 12) + "…, this cluster's is " + digests.getLast().substring(0, 12)
                    + "…; a CA rotation changes the tokens: get the current one with `flotilla join-token worker|manager`)");
        }
        return parsed.stored();
    }

    /**
     * The certificate's subject: the node id, the role, the advertised address (checked against
     * the connection when it is an IP address), and the names the node gives only in a manager's
     * certificate: managers serve TLS and are dialled by name; a worker serves none, and the
     * holder of the manager token is trusted with what it says.
     */
    private static CertificateSubject nodeSubject(JoinRequest request, NodeRole role, String address) {
        List<String> ips = new ArrayList<>();
        List<String> names = new ArrayList<>();
        (address.matches("[0-9.]+") || address.contains(":") ? ips : names).add(address.replace("[", "").replace("]", ""));
        if (request.hostname() != null && !request.hostname().isBlank() && !names.contains(request.hostname())) {
            names.add(request.hostname());
        }
        if (role != NodeRole.MANAGER) {
            names.clear();
        }
        return new CertificateSubject(request.nodeId(), role == NodeRole.MANAGER ? CertificateSubject.MANAGER
                : CertificateSubject.WORKER, ips, names);
    }

    /** Node certificates get the validity of this manager's own (set at init, 90 days by default). */
    private java.time.Duration nodeValidity() {
        return CertificateAuthority.validityOf(tls.keyManager().certificate());
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
        ClusterState state = store.state();
        if (CertificateSubject.ADMIN.equals(current.role())) {
            role = CertificateSubject.ADMIN;
        } else {
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
        CertificateAuthority authority = ca.signing(state);
        X509Certificate renewed = authority.sign(csr, new CertificateSubject(current.commonName(), role,
                current.ipAddresses(), current.dnsNames()), CertificateAuthority.validityOf(presented), clock.instant());
        LOG.info("renewed the certificate of {} ({}): {} until {}{}", current.commonName(), role,
                renewed.getSerialNumber().toString(16), renewed.getNotAfter().toInstant(), sendKey ? ", with the CA key" : "");
        if (!CertificateSubject.ADMIN.equals(role)) {
            try {
                ca.issued(current.commonName(), renewed);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new ApiException(503, "unavailable", "interrupted while recording the renewal");
            }
        }
        String roots = Pem.encodeAll(ca.bundle(state).roots());
        if (sendKey) {
            // A promoted node holds no CA key yet: a manager must be able to sign joins and renewals
            // even when every manager it joined through is gone. During a CA rotation: the new key.
            // The cluster data key too: a promoted manager must open secrets once it leads.
            String dataKey = dataKey();
            return dataKey == null
                    ? Map.of("certificate", Pem.encode(renewed), "caCertificate", roots, "caKey", Pem.encode(authority.key()))
                    : Map.of("certificate", Pem.encode(renewed), "caCertificate", roots, "caKey", Pem.encode(authority.key()),
                            "dataKey", dataKey);
        }
        return Map.of("certificate", Pem.encode(renewed), "caCertificate", roots);
    }

    /** This manager's cluster data key in its text form, or null when it holds none (a cluster made before secrets). */
    private String dataKey() {
        try {
            return tls.directory().hasDataKey()
                    ? io.flotilla.security.ClusterDataKey.read(tls.directory().dataKey()).encoded() : null;
        } catch (IOException e) {
            throw new ApiException(500, "internal", "cannot read this manager's cluster data key: " + e.getMessage());
        }
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
