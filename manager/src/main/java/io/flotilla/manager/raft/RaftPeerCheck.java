package io.flotilla.manager.raft;

import io.flotilla.security.CertificateSubject;
import io.flotilla.security.ClusterTrustManager;
import io.flotilla.security.PeerIdentity;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Who may speak Raft with this manager: only the managers. The cluster CA signs workers' and the
 * admin's certificates too, and a Raft connection that accepted any of them let a worker append
 * any command to the log (a deployment runs as root on every node). So a peer that connects
 * (Raft's server side: appends, votes, client requests) must present, besides a certificate of the
 * cluster CA, an OU=manager certificate whose node id {@code isPeer} accepts: a member of the Raft
 * group, a node the state holds as a manager, or a manager this one learned at join; never a node
 * removed from the cluster ({@link RaftClusterStore#mayConnect}). A peer this manager dials must
 * show a manager's certificate too: the node's own trust ({@link ClusterTrustManager}) checks that
 * for every server a node dials.
 *
 * <p>The check runs at every handshake against the current state, so a removed or demoted
 * manager is refused on its next connection. Use it as
 * {@code nodeTls.trustManager().withClientCheck(check)}.
 */
public final class RaftPeerCheck implements ClusterTrustManager.ClientCheck {
    private volatile Predicate<String> isPeer = id -> false;

    /** Sets who counts as a peer (the store decides, once it exists); until then, nobody connects. */
    public void peers(Predicate<String> isPeer) {
        this.isPeer = Objects.requireNonNull(isPeer, "isPeer");
    }

    @Override
    public void check(X509Certificate leaf) throws CertificateException {
        PeerIdentity identity = PeerIdentity.of(leaf);
        if (!CertificateSubject.MANAGER.equals(identity.role()) || identity.commonName() == null) {
            throw new CertificateException("Raft speaks only with managers: " + leaf.getSubjectX500Principal().getName()
                    + " is not a manager's certificate");
        }
        if (!isPeer.test(identity.commonName())) {
            throw new CertificateException("Raft speaks only with the cluster's managers: " + identity.commonName()
                    + " is not one (not in the managers' group, removed or demoted)");
        }
    }
}
