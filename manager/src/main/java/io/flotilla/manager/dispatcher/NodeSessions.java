package io.flotilla.manager.dispatcher;

import io.flotilla.model.CaRotation;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.MeshServices;
import io.flotilla.model.api.NodeSession;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.Pem;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateStamps;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * The session part of a node's assignment set ({@link NodeSession}): its spec, the managers, the
 * mesh's services, the CA's identity and the node's overlay networks ({@link NetworkDirectories}),
 * made from the state when the dispatcher answers. What the
 * state holds wakes a waiting poll through the state's stamps
 * ({@link StateStamps#nodeSessionChangedSince}); the managers' Raft group is not in the state, so
 * this class remembers per node the group it last sent ({@link #managersChanged}).
 *
 * <p>The mesh's services are made once per change of any service's spec and shared by every
 * answer until the next one (their {@code index} is the state's at which they were made).
 */
public final class NodeSessions {
    /** With no managers and no CA (a dispatcher tested alone). */
    public static final NodeSessions NONE = new NodeSessions(List::of, () -> null);

    private final Supplier<List<ManagerPeer>> managers;
    private final Supplier<String> initialRootDigest;
    private final Map<String, List<ManagerPeer>> sent = new ConcurrentHashMap<>();
    private volatile Mesh mesh = new Mesh(-1, null);
    private volatile Root root = new Root(null, null);
    private volatile String initialRoot;

    private record Mesh(long stamp, MeshServices services) {}

    private record Root(String pem, String digest) {}

    /**
     * @param managers          the managers' Raft group now, as joins are told of it
     * @param initialRootDigest the digest of the root made at init (a cluster that never rotated keeps no
     *                          root in its state); null without TLS
     */
    public NodeSessions(Supplier<List<ManagerPeer>> managers, Supplier<String> initialRootDigest) {
        this.managers = Objects.requireNonNull(managers, "managers");
        this.initialRootDigest = Objects.requireNonNull(initialRootDigest, "initialRootDigest");
    }

    /** Node {@code nodeId}'s session in {@code state}, remembered as sent to it. */
    NodeSession of(ClusterState state, String nodeId) {
        List<ManagerPeer> group = managers.get();
        sent.put(nodeId, group);
        return new NodeSession(state.node(nodeId).map(Node::spec).orElse(null), group, meshServices(state),
                ca(state, nodeId), NetworkDirectories.of(state, nodeId));
    }

    /**
     * Whether the managers' group differs from the one last sent to node {@code nodeId} (false when
     * nothing was sent to it yet: it has the group of its join, or of another leader's answer).
     */
    boolean managersChanged(String nodeId, List<ManagerPeer> now) {
        List<ManagerPeer> last = sent.get(nodeId);
        return last != null && !last.equals(now);
    }

    /** The managers' group now (read once per pass of the watch: it asks Raft). */
    List<ManagerPeer> managers() {
        return managers.get();
    }

    private MeshServices meshServices(ClusterState state) {
        Mesh current = mesh;
        if (current.stamp() != state.stamps().serviceSpecsStamp()) {
            current = new Mesh(state.stamps().serviceSpecsStamp(), meshServicesOf(state));
            mesh = current;
        }
        return current.services();
    }

    /**
     * Every service as the routing mesh needs it (what {@code GET /v1/discovery/mesh} answers):
     * name, ports, labels, endpoint mode — the task template reduced to its labels, so nothing else
     * of the spec (environment) leaves the managers.
     */
    public static MeshServices meshServicesOf(ClusterState state) {
        List<ServiceSpec> specs = new ArrayList<>();
        for (Service service : state.services()) {
            ServiceSpec spec = service.spec();
            TaskTemplate labelsOnly = new TaskTemplate(spec.task().driver(), null, List.of(), List.of(), Map.of(), null,
                    null, null, spec.task().labels(), null, List.of(), null, null, null, null, null, false, false,
                    List.of(), List.of(), List.of(), Map.of(), null, List.of());
            specs.add(spec.withTask(labelsOnly));
        }
        return new MeshServices(state.index(), specs);
    }

    private NodeSession.CaIdentity ca(ClusterState state, String nodeId) {
        ClusterConfig config = state.cluster();
        CaRotation rotation = config == null ? null : config.caRotation();
        if (rotation != null) {
            return new NodeSession.CaIdentity(rotation.rootDigest(), true, rotation.renewed().contains(nodeId));
        }
        if (config != null && config.caRoot() != null) {
            Root current = root;
            if (!config.caRoot().equals(current.pem())) {
                current = new Root(config.caRoot(), CertificateAuthority.digest(Pem.certificate(config.caRoot())));
                root = current;
            }
            return new NodeSession.CaIdentity(current.digest(), false, false);
        }
        String initial = initialRoot;
        if (initial == null) {
            initial = initialRootDigest.get();
            initialRoot = initial;
        }
        return new NodeSession.CaIdentity(initial, false, false);
    }
}
