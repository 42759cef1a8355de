package io.flotilla.security;

import java.io.IOException;
import java.security.cert.X509Certificate;
import java.util.Optional;
import javax.net.ssl.SSLContext;

/**
 * One node's mutual TLS, from its {@link TlsDirectory}: a key manager that follows the
 * credential files (renewals apply without a restart), the cluster CA as the only trust anchor
 * (followed through a CA rotation: {@link CaFiles}; and, for a server this node dials, a
 * manager's certificate: {@link ClusterTrustManager}),
 * and one SSL context for servers (API, Raft) and clients alike. On a manager, also the CA
 * itself, read from {@code ca.key} when something must be signed.
 */
public final class NodeTls {
    private final TlsDirectory directory;
    private final CaFiles roots;
    private final ReloadingKeyManager keyManager;
    private final ClusterTrustManager trustManager;
    private final SSLContext context;

    private NodeTls(TlsDirectory directory, CaFiles roots, ReloadingKeyManager keyManager) {
        this.directory = directory;
        this.roots = roots;
        this.keyManager = keyManager;
        this.trustManager = new ClusterTrustManager(roots);
        this.context = TlsContexts.context(keyManager, trustManager);
    }

    /** The node credential ({@code node.crt}, {@code node.key}) of {@code directory}. */
    public static NodeTls node(TlsDirectory directory) throws IOException {
        CaFiles roots = directory.caFiles();
        return new NodeTls(directory, roots, new ReloadingKeyManager(directory.nodeCertificate(), directory.nodeKey(), roots));
    }

    /** The admin credential ({@code admin.crt}, {@code admin.key}) of {@code directory}: the CLI's. */
    public static NodeTls admin(TlsDirectory directory) throws IOException {
        CaFiles roots = directory.caFiles();
        return new NodeTls(directory, roots, new ReloadingKeyManager(directory.adminCertificate(), directory.adminKey(), roots));
    }

    public TlsDirectory directory() {
        return directory;
    }

    /** The root that signs now. */
    public X509Certificate caCertificate() {
        return roots.bundle().signing();
    }

    /** The trusted roots now (two during a CA rotation). */
    public CaBundle caBundle() {
        return roots.bundle();
    }

    /** SHA-256 of the root join tokens pin ({@link CaBundle#pinned}), hex. */
    public String caDigest() {
        return CertificateAuthority.digest(roots.bundle().pinned());
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
