package io.flotilla.security;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * The CLI's trust in a server: a certificate the cluster CA signed for a <em>manager</em>, at
 * whatever address it was reached. A worker relays API connections byte for byte to a manager
 * (the TLS session is the caller's with that manager), so the certificate that answers names the
 * manager's address, not the worker's the user typed: an address check would refuse every relayed
 * call, while "a manager of this cluster" is exactly what the CLI needs to know it talks to.
 * Being an {@link X509ExtendedTrustManager}, it replaces the JDK's hostname check rather than
 * adding to it; the chain is still checked by PKIX against the cluster CA.
 */
public final class AnyManagerTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager cluster;

    public AnyManagerTrustManager(X509ExtendedTrustManager cluster) {
        this.cluster = cluster;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        cluster.checkServerTrusted(chain, authType);
        String role = organizationalUnit(chain[0]);
        if (!CertificateSubject.MANAGER.equals(role)) {
            throw new CertificateException("the server's certificate is a cluster " + (role == null ? "certificate without a role"
                    : role + "'s") + " (" + chain[0].getSubjectX500Principal().getName() + "), not a manager's");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client-side trust manager");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return cluster.getAcceptedIssuers();
    }

    /** The OU of the subject, with the JDK alone (the CLI does not load BouncyCastle). */
    static String organizationalUnit(X509Certificate certificate) throws CertificateException {
        try {
            for (Rdn rdn : new LdapName(certificate.getSubjectX500Principal().getName()).getRdns()) {
                if ("OU".equalsIgnoreCase(rdn.getType())) {
                    return String.valueOf(rdn.getValue());
                }
            }
            return null;
        } catch (InvalidNameException e) {
            throw new CertificateException("unreadable certificate subject: " + e.getMessage(), e);
        }
    }
}
