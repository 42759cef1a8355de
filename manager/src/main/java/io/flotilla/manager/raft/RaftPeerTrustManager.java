package io.flotilla.manager.raft;

import io.flotilla.security.CertificateSubject;
import io.flotilla.security.PeerIdentity;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.Objects;
import java.util.function.Predicate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Who may speak Raft with this manager: only the managers. The cluster CA signs workers' and the
 * admin's certificates too, and a Raft connection that accepted any of them let a worker append
 * any command to the log (a deployment runs as root on every node). So, on top of the cluster
 * CA's own checks (the chain, and the address when this side dials):
 * <ul>
 *   <li>a peer that connects (Raft's server side: appends, votes, client requests) must present an
 *       OU=manager certificate whose node id {@code isPeer} accepts — a member of the Raft group,
 *       a node the state holds as a manager, or a manager this one learned at join; never a node
 *       removed from the cluster;</li>
 *   <li>a peer this manager dials (its Raft client, the leader's appender) must present an
 *       OU=manager certificate: a worker's certificate cannot pose as a manager to collect what
 *       is sent to one (the node's own trust, {@link io.flotilla.security.ClusterTrustManager},
 *       checks that for every server a node dials).</li>
 * </ul>
 * The decision is taken at every handshake against the current state, so a removed or demoted
 * manager is refused on its next connection.
 */
public final class RaftPeerTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager cluster;
    private volatile Predicate<String> isPeer = id -> false;

    /** @param cluster the node's trust ({@link io.flotilla.security.NodeTls#trustManager}): the CA, and managers as servers */
    public RaftPeerTrustManager(X509ExtendedTrustManager cluster) {
        this.cluster = Objects.requireNonNull(cluster, "cluster");
    }

    /** Sets who counts as a peer (the store decides, once it exists); until then, nobody connects. */
    public void peers(Predicate<String> isPeer) {
        this.isPeer = Objects.requireNonNull(isPeer, "isPeer");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        cluster.checkClientTrusted(chain, authType);
        requirePeer(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        cluster.checkClientTrusted(chain, authType, socket);
        requirePeer(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        cluster.checkClientTrusted(chain, authType, engine);
        requirePeer(chain);
    }

    // A peer this manager dials: the node's own trust (ClusterTrustManager) already wants a manager's certificate.
    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        cluster.checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        cluster.checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        cluster.checkServerTrusted(chain, authType, engine);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return cluster.getAcceptedIssuers();
    }

    private void requirePeer(X509Certificate[] chain) throws CertificateException {
        PeerIdentity identity = PeerIdentity.of(chain[0]);
        if (!CertificateSubject.MANAGER.equals(identity.role()) || identity.commonName() == null) {
            throw new CertificateException("Raft speaks only with managers: " + chain[0].getSubjectX500Principal().getName()
                    + " is not a manager's certificate");
        }
        if (!isPeer.test(identity.commonName())) {
            throw new CertificateException("Raft speaks only with the cluster's managers: " + identity.commonName()
                    + " is not one (not in the managers' group, removed or demoted)");
        }
    }
}
