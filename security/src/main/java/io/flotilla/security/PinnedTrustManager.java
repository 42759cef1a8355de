package io.flotilla.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trust on first use, pinned by a join token: accepts a server whose chain contains a CA
 * certificate with the token's SHA-256 digest and whose own certificate that CA signed (for the
 * address connected to: hostname verification stays on), for a manager (OU=manager: a worker's
 * certificate of the same CA must not collect the token). Anything else — another CA, a
 * man in the middle, a wrong token — fails the handshake before the token is sent.
 */
public final class PinnedTrustManager extends X509ExtendedTrustManager {
    private final String digest;
    private volatile X509Certificate ca;

    public PinnedTrustManager(String digest) {
        this.digest = digest.toLowerCase(java.util.Locale.ROOT);
    }

    /** The CA certificate the server presented and that matched, once a handshake succeeded. */
    public X509Certificate caCertificate() {
        return ca;
    }

    private X509ExtendedTrustManager pinned(X509Certificate[] chain) throws CertificateException {
        for (X509Certificate candidate : chain) {
            if (candidate.getBasicConstraints() >= 0 && CertificateAuthority.digest(candidate).equals(digest)) {
                ca = candidate;
                return TlsContexts.trusting(candidate);
            }
        }
        throw new CertificateException("the manager's CA certificate does not have the digest in the join token ("
                + digest.substring(0, Math.min(12, digest.length())) + "…): wrong token or wrong cluster,"
                + " or someone between this node and the manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        pinned(chain).checkServerTrusted(chain, authType, socket);
        ClusterTrustManager.requireManager(chain); // a worker of the cluster must not collect the token
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        pinned(chain).checkServerTrusted(chain, authType, engine);
        ClusterTrustManager.requireManager(chain); // a worker of the cluster must not collect the token
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        pinned(chain).checkServerTrusted(chain, authType);
        ClusterTrustManager.requireManager(chain); // a worker of the cluster must not collect the token
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("a pinned trust manager checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("a pinned trust manager checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a pinned trust manager checks servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return new X509Certificate[0];
    }
}
