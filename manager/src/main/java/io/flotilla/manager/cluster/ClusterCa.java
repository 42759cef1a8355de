package io.flotilla.manager.cluster;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.CaRotation;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.api.CaStatus;
import io.flotilla.security.CaBundle;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.NodeTls;
import io.flotilla.security.Pem;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's root CA as the replicated state and this manager's {@code tls/} hold it: which
 * roots the cluster trusts, which one signs, and its rotation ({@code flotilla ca rotate}, as
 * Swarm's {@code docker swarm ca --rotate}):
 * <ol>
 *   <li>{@link #rotate}: a new root and key, the new root cross-signed by the current one, into
 *       the log ({@link CaRotation}). From that entry on every manager signs joins and renewals
 *       with the new key, and {@code GET /v1/cluster/ca} answers both roots.</li>
 *   <li>Every node's CA follower writes both roots, then renews its certificate; each
 *       certificate of the new root issued is counted in the log ({@link #issued}).</li>
 *   <li>The apply that counts the last node ends the rotation: the new root is the only one,
 *       and the followers drop the old root from their {@code ca.crt}.</li>
 * </ol>
 * Until then the old root stays trusted everywhere, and a certificate of the new root shows
 * the cross-signed path to the old one: no connection is refused on the way, no task restarted.
 */
public final class ClusterCa {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterCa.class);

    private final RaftClusterStore store;
    private final NodeTls tls;
    private final InstantSource clock;

    ClusterCa(RaftClusterStore store, NodeTls tls, InstantSource clock) {
        this.store = store;
        this.tls = tls;
        this.clock = clock;
    }

    /** The roots the cluster trusts in {@code state}, and the chain a certificate of the newest shows. */
    CaBundle bundle(ClusterState state) {
        ClusterConfig config = state.cluster();
        CaRotation rotation = config == null ? null : config.caRotation();
        if (rotation != null) {
            X509Certificate previous = Pem.certificate(rotation.previousRootPem());
            return new CaBundle(List.of(Pem.certificate(rotation.rootPem()), previous),
                    List.of(Pem.certificate(rotation.crossSignedPem()), previous));
        }
        if (config != null && config.caRoot() != null) {
            return CaBundle.of(Pem.certificate(config.caRoot()));
        }
        return CaBundle.of(tls.caBundle().pinned()); // never rotated: the root made at init
    }

    /** The CA that signs in {@code state}: the rotation's new root while one runs, else this manager's. */
    CertificateAuthority signing(ClusterState state) {
        CaRotation rotation = state.cluster() == null ? null : state.cluster().caRotation();
        if (rotation != null) {
            return new CertificateAuthority(Pem.certificate(rotation.rootPem()), Pem.privateKey(rotation.keyPem()));
        }
        CertificateAuthority own;
        try {
            own = tls.authority().orElseThrow(() -> new ApiException(503, "unavailable",
                    "this manager does not hold the cluster CA key (" + tls.directory().caKey() + ")"));
        } catch (IOException e) {
            throw new ApiException(500, "internal", "cannot read the cluster CA: " + e.getMessage());
        }
        if (!own.certificate().equals(bundle(state).signing())) {
            throw new ApiException(503, "unavailable", "this manager's CA key is not yet the one of the cluster's root"
                    + " (a rotation ended before it renewed): try another manager");
        }
        return own;
    }

    /** Counts {@code nodeId} as renewed when {@code certificate} is of the root a rotation moves to. */
    void issued(String nodeId, X509Certificate certificate) throws InterruptedException {
        CaRotation rotation = store.state().cluster() == null ? null : store.state().cluster().caRotation();
        if (rotation != null && certificate.getIssuerX500Principal().equals(
                Pem.certificate(rotation.rootPem()).getSubjectX500Principal())) {
            Submissions.await(store.submit(new Command.CaCertificateIssued(nodeId, rotation.rootDigest())));
        }
    }

    /** {@code GET /v1/cluster/ca}. */
    public CaStatus status() {
        ClusterState state = store.state();
        CaBundle bundle = bundle(state);
        CaRotation rotation = state.cluster() == null ? null : state.cluster().caRotation();
        CaStatus.Rotation progress = null;
        if (rotation != null) {
            List<String> waiting = new ArrayList<>();
            for (Node node : state.nodes()) {
                if (!rotation.renewed().contains(node.id())) {
                    waiting.add(node.id() + " (" + node.status().state().name().toLowerCase(Locale.ROOT) + ")");
                }
            }
            progress = new CaStatus.Rotation(rotation.rootDigest(), rotation.startedAt(), List.copyOf(rotation.renewed()),
                    waiting);
        }
        return new CaStatus(state.index(), bundle.roots().stream().map(Pem::encode).toList(),
                bundle.chain().stream().map(Pem::encode).toList(), CertificateAuthority.digest(bundle.pinned()), progress);
    }

    /** {@code POST /v1/cluster/ca/rotate}: starts a rotation; refused while one runs. */
    public CaStatus rotate() throws InterruptedException {
        ClusterState state = store.state();
        if (state.cluster() == null) {
            throw new ApiException(503, "unavailable", "the cluster is not initialized yet");
        }
        if (state.cluster().caRotation() != null) {
            CaStatus.Rotation running = status().rotation();
            throw ApiException.conflict("a CA rotation is under way (started " + running.startedAt() + "; "
                    + running.renewed().size() + " nodes renewed, waiting for " + String.join(", ", running.waiting())
                    + "): it ends when every node has renewed; a node that is gone for good ends it with `flotilla node rm`");
        }
        CertificateAuthority current = signing(state);
        CertificateAuthority next = CertificateAuthority.successor(current.certificate(), clock.instant());
        X509Certificate cross = current.crossSign(next.certificate(), clock.instant());
        CaRotation rotation = new CaRotation(Pem.encode(next.certificate()), Pem.encode(next.key()), Pem.encode(cross),
                Pem.encode(current.certificate()), next.digest(), null, clock.instant());
        Submissions.await(store.submit(new Command.StartCaRotation(rotation)));
        LOG.info("CA rotation started: new root {} ({}…)", next.certificate().getSubjectX500Principal().getName(),
                next.digest().substring(0, 12));
        return status();
    }
}
