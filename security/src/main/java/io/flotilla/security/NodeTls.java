package io.flotilla.security;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * One node's mutual TLS, from its {@link TlsDirectory}: a key manager that follows the
 * credential files (renewals apply without a restart), the cluster CA as the only trust anchor
 * (and, for a server this node dials, a manager's certificate: {@link ClusterTrustManager}),
 * and one SSL context for servers (API, Raft) and clients alike. On a manager, also the CA
 * itself, read from {@code ca.key} when something must be signed.
 */
public final class NodeTls {
    private final TlsDirectory directory;
    private final X509Certificate ca;
    private final ReloadingKeyManager keyManager;
    private final ClusterTrustManager trustManager;
    private final SSLContext context;

    private NodeTls(TlsDirectory directory, X509Certificate ca, ReloadingKeyManager keyManager) {
        this.directory = directory;
        this.ca = ca;
        this.keyManager = keyManager;
        this.trustManager = new ClusterTrustManager(TlsContexts.trusting(ca));
        this.context = TlsContexts.context(keyManager, trustManager);
    }

    /** The node credential ({@code node.crt}, {@code node.key}) of {@code directory}. */
    public static NodeTls node(TlsDirectory directory) throws IOException {
        X509Certificate ca = directory.readCaCertificate();
        return new NodeTls(directory, ca, new ReloadingKeyManager(directory.nodeCertificate(), directory.nodeKey(), ca));
    }

    /** The admin credential ({@code admin.crt}, {@code admin.key}) of {@code directory}: the CLI's. */
    public static NodeTls admin(TlsDirectory directory) throws IOException {
        X509Certificate ca = directory.readCaCertificate();
        return new NodeTls(directory, ca, new ReloadingKeyManager(directory.adminCertificate(), directory.adminKey(), ca));
    }

    public TlsDirectory directory() {
        return directory;
    }

    public X509Certificate caCertificate() {
        return ca;
    }

    /** SHA-256 of the CA certificate, hex: what join tokens pin. */
    public String caDigest() {
        return CertificateAuthority.digest(ca);
    }

    public ReloadingKeyManager keyManager() {
        return keyManager;
    }

    public ClusterTrustManager trustManager() {
        return trustManager;
    }

    public SSLContext context() {
        return context;
    }

    /** The CA, when this node holds its key (a manager); read on each call, so a key that arrives later counts. */
    public Optional<CertificateAuthority> authority() throws IOException {
        return directory.hasCaKey() ? Optional.of(directory.readAuthority()) : Optional.empty();
    }
}
