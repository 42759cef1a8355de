package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Node;
import io.flotilla.model.NodeIds;
import io.flotilla.model.NodeRole;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.PeerIdentity;
import io.flotilla.state.ClusterState;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.List;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Who is calling the API, as mutual TLS established it, and what each kind of caller may do.
 * The TLS layer already refused every certificate the cluster CA did not sign, so a present
 * certificate is a verified identity: CN the node id (or {@code admin}), OU its role.
 *
 * <table>
 *   <tr><th>endpoint</th><th>caller</th></tr>
 *   <tr><td>{@code GET /v1/info}, {@code POST /v1/cluster/join}, {@code GET /v1/discovery/...}</td>
 *       <td>anyone over TLS (the join is checked by its token; discovery answers what DNS answers
 *       anyway, and tasks hold no certificate)</td></tr>
 *   <tr><td>{@code GET /v1/discovery/mesh}</td><td>any certificate of the cluster (only nodes' meshes
 *       read it: the services' ports and labels are not what DNS answers)</td></tr>
 *   <tr><td>{@code /v1/dispatcher/...}</td><td>a node (a worker only for its own node id), a manager, admin</td></tr>
 *   <tr><td>{@code /v1/registry/...}, {@code POST /v1/cluster/certificate}, {@code GET /v1/cluster}</td><td>any
 *       certificate of the cluster (the registry then checks the {@link #owner} of each entry:
 *       {@link RegistrationRules})</td></tr>
 *   <tr><td>{@code GET /v1/nodes/ID}</td><td>node ID itself (it follows its role), a manager, admin</td></tr>
 *   <tr><td>{@code POST /v1/cluster/managers}</td><td>a manager</td></tr>
 *   <tr><td>{@code GET /v1/images/...}</td><td>any certificate of the cluster (an agent loads a task's
 *       image from its manager); uploads take the admin or a manager</td></tr>
 *   <tr><td>everything else (stacks, services, nodes, state, join tokens, secrets and configs, ...)</td><td>admin or
 *       a manager</td></tr>
 * </table>
 *
 * <p>A certificate counts for what the replicated state says of its holder now, not only for what
 * it says of itself: the id of a removed node ({@link ClusterConfig#removedNodes}) is refused on
 * every endpoint that needs a certificate (and is anonymous on the open ones, which anyone may
 * call), and an OU=manager certificate of a node the state holds as a worker (demoted, its old
 * certificate not yet renewed) counts as a worker's.
 *
 * @param identity    null when the caller sent no certificate, or one the cluster refuses
 * @param certificate the caller's certificate, or null
 * @param plaintext   the server runs without TLS (in-process tests only): everything is allowed
 * @param refused     why the certificate sent was refused (revoked, no identity), or null
 */
record ApiCaller(PeerIdentity identity, X509Certificate certificate, boolean plaintext, String refused) {
    static final ApiCaller PLAINTEXT = new ApiCaller(null, null, true, null);
    static final ApiCaller ANONYMOUS = new ApiCaller(null, null, false, null);

    /** The caller of {@code exchange}, judged against {@code state} (deny list, roles). */
    static ApiCaller of(ApiExchange exchange, ClusterState state) {
        javax.net.ssl.SSLSession session = exchange.sslSession();
        if (session == null) {
            return PLAINTEXT;
        }
        X509Certificate leaf;
        try {
            Certificate[] chain = session.getPeerCertificates();
            leaf = (X509Certificate) chain[0];
        } catch (SSLPeerUnverifiedException e) {
            return ANONYMOUS;
        }
        return judge(PeerIdentity.of(leaf), leaf, state);
    }

    private static ApiCaller judge(PeerIdentity identity, X509Certificate leaf, ClusterState state) {
        if (identity.commonName() == null || identity.role() == null) {
            return new ApiCaller(null, null, false, "the client certificate names no single node and role");
        }
        if (identity.isAdmin()) {
            return new ApiCaller(identity, leaf, false, null);
        }
        ClusterConfig config = state.cluster();
        if (config != null && config.removed(identity.commonName())) {
            return new ApiCaller(null, null, false, "the certificate of node " + NodeIds.printable(identity.commonName())
                    + " is revoked: the node was removed from the cluster (a removed node joins again with a new data"
                    + " directory and a join token)");
        }
        Node node = state.node(identity.commonName()).orElse(null);
        if (identity.isManager() && node != null && node.spec().role() != NodeRole.MANAGER) {
            identity = new PeerIdentity(identity.commonName(), CertificateSubject.WORKER);
        }
        return new ApiCaller(identity, leaf, false, null);
    }

    /** Refuses the request (401 without a certificate, 403 with one that may not) unless the table above allows it. */
    void authorize(String method, List<String> path) {
        if (plaintext) {
            return;
        }
        String resource = path.size() >= 2 ? path.get(1) : "";
        String sub = path.size() >= 3 ? path.get(2) : "";
        if (resource.equals("info") || (resource.equals("cluster") && sub.equals("join"))
                || (resource.equals("discovery") && method.equals("GET") && !sub.equals("mesh"))) {
            return;
        }
        if (identity == null && refused != null) {
            throw new ApiException(403, "forbidden", refused);
        }
        if (identity == null) {
            throw new ApiException(401, "unauthenticated", "this endpoint needs a client certificate of the cluster"
                    + " (the CLI uses admin.crt from --tls-dir, $FLOTILLA_TLS_DIR or $FLOTILLA_DATA/tls; see docs/api.md)");
        }
        boolean allowed = switch (resource) {
            case "dispatcher", "registry" -> true;
            // A dashboard login link is the admin's to hand out (docs/dashboard.md), not a manager's.
            case "dashboard" -> identity.isAdmin();
            case "images" -> method.equals("GET") || identity.isManager() || identity.isAdmin();
            // GET /v1/discovery/mesh: what a node's mesh serves (nodes now get it in their session,
            // dispatcher/NodeSessions); any certificate of the cluster may read it.
            case "discovery" -> method.equals("GET") || identity.isManager() || identity.isAdmin();
            // A node may read itself (its role now reaches it in its session: node NodeRoleWatch).
            case "nodes" -> identity.isManager() || identity.isAdmin()
                    || (method.equals("GET") && path.size() == 3 && sub.equals(identity.commonName()));
            // Secrets and configs: never a worker, whatever the method (its agent gets a task's files in
            // its assignment set, and only those).
            case "secrets", "configs" -> identity.isManager() || identity.isAdmin();
            case "cluster" -> switch (sub) {
                case "certificate" -> true;
                // Every node reads the roots (node CaFollower, when its session says they changed);
                // only the admin rotates them.
                case "ca" -> method.equals("GET") || identity.isAdmin();
                case "managers" -> identity.isManager();
                // The backup carries the CA and data keys: the admin's alone, not a manager's.
                case "backup" -> identity.isAdmin();
                case "" -> method.equals("GET") || identity.isManager() || identity.isAdmin();
                default -> identity.isManager() || identity.isAdmin();
            };
            default -> identity.isManager() || identity.isAdmin();
        };
        if (!allowed) {
            throw new ApiException(403, "forbidden", "a " + identity.role() + " certificate (" + identity.commonName()
                    + ") may not " + method + " /" + String.join("/", path) + ": that takes the admin credential"
                    + " (admin.crt) or a manager's");
        }
    }

    /**
     * The caller as a registration's owner: {@code admin}, or role and node id ({@code worker:w1},
     * {@code manager:m1}); null without a certificate (plaintext test servers).
     */
    String owner() {
        if (identity == null) {
            return null;
        }
        return identity.isAdmin() ? "admin" : identity.role() + ":" + identity.commonName();
    }

    /** What only a manager (or the admin) may do, as {@code what} says; a worker is refused. */
    void requireManagerOrAdmin(String what) {
        if (plaintext || identity == null || identity.isManager() || identity.isAdmin()) {
            return;
        }
        throw new ApiException(403, "forbidden", "a " + identity.role() + " certificate (" + identity.commonName()
                + ") may not " + what + ": that takes the admin credential (admin.crt) or a manager's");
    }

    /** Dispatcher calls: a worker speaks only for itself. */
    void requireNode(String nodeId) {
        if (plaintext || identity == null || identity.isManager() || identity.isAdmin()) {
            return;
        }
        if (!identity.commonName().equals(nodeId)) {
            throw new ApiException(403, "forbidden", "node " + identity.commonName() + " may not speak for node " + nodeId);
        }
    }
}
