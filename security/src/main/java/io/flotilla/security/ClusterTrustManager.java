package io.flotilla.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * A node's trust: the cluster's roots as the only anchors (chain and, when dialling, the address,
 * as the JDK's PKIX trust manager checks them; the roots as {@link CaFiles} holds them at each
 * handshake, so a CA rotation needs no restart), and, for the servers a node dials, a manager's
 * certificate. Every TLS server a node reaches is a manager (the API, Raft; a worker's API port
 * relays bytes to a manager, whose certificate then answers), so a server that presents a worker's
 * certificate is a worker posing as a manager — to collect a join token, an agent's reports, a
 * renewal's CSR — and the handshake fails. Clients are checked against the CA and, where a
 * server needs more than "a certificate of this cluster" before the first byte (Raft: only its
 * managers), by a {@link ClientCheck}; what an API client may do is decided per call.
 */
public final class ClusterTrustManager extends X509ExtendedTrustManager {
    /** What a server further requires of a client's certificate once the CA's checks passed. */
    @FunctionalInterface
    public interface ClientCheck {
        void check(X509Certificate leaf) throws CertificateException;
    }

    private final CaFiles roots;
    private final ClientCheck clients;

    /** Trusts the roots of {@code roots} as they are at each handshake (a CA rotation changes them). */
    public ClusterTrustManager(CaFiles roots) {
        this(roots, leaf -> { });
    }

    private ClusterTrustManager(CaFiles roots, ClientCheck clients) {
        this.roots = roots;
        this.clients = clients;
    }

    /** This trust, with {@code clients} required of every client certificate too. */
    public ClusterTrustManager withClientCheck(ClientCheck clients) {
        return new ClusterTrustManager(roots, clients);
    }

    private X509ExtendedTrustManager cluster() {
        return roots.trust();
    }

    /** Refuses a server certificate that is not a manager's. */
    static void requireManager(X509Certificate[] chain) throws CertificateException {
        String role = AnyManagerTrustManager.organizationalUnit(chain[0]);
        if (!CertificateSubject.MANAGER.equals(role)) {
            throw new CertificateException("the server's certificate is a cluster " + (role == null
                    ? "certificate without a role" : role + "'s") + " (" + chain[0].getSubjectX500Principal().getName()
                    + "), not a manager's: only managers serve nodes");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        cluster().checkServerTrusted(chain, authType);
        requireManager(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        cluster().checkServerTrusted(chain, authType, socket);
        requireManager(chain);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        cluster().checkServerTrusted(chain, authType, engine);
        requireManager(chain);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        cluster().checkClientTrusted(chain, authType);
        clients.check(chain[0]);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        cluster().checkClientTrusted(chain, authType, socket);
        clients.check(chain[0]);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        cluster().checkClientTrusted(chain, authType, engine);
        clients.check(chain[0]);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return cluster().getAcceptedIssuers();
    }
}
