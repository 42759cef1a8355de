package io.flotilla.security;

import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.KeyManager;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/** SSL contexts: mutual (a key manager and the cluster CA as the only trust anchor), CA-only, pinned. */
public final class TlsContexts {
    /** TLS 1.3 only: every part of Flotilla speaks it, and it leaves no weak cipher to configure. */
    public static final String PROTOCOL = "TLSv1.3";

    private TlsContexts() {}

    /** Trusts exactly the certificates {@code ca} signed (and checks hostnames, as the JDK's own trust manager does). */
    public static X509ExtendedTrustManager trusting(X509Certificate ca) {
        return trusting(java.util.List.of(ca));
    }

    /** Trusts the certificates any of {@code roots} signed (a CA rotation trusts two roots for a while). */
    public static X509ExtendedTrustManager trusting(java.util.List<X509Certificate> roots) {
        try {
            KeyStore store = KeyStore.getInstance("PKCS12");
            store.load(null, null);
            for (int i = 0; i < roots.size(); i++) {
                store.setCertificateEntry("flotilla-ca-" + i, roots.get(i));
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509ExtendedTrustManager x509) {
                    return x509;
                }
            }
            throw new IllegalStateException("no X509 trust manager");
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build a trust manager for the cluster CA", e);
        }
    }

    public static SSLContext context(KeyManager keyManager, TrustManager trustManager) {
        try {
            SSLContext context = SSLContext.getInstance(PROTOCOL);
            context.init(keyManager == null ? null : new KeyManager[] {keyManager}, new TrustManager[] {trustManager},
                    null);
            return context;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an SSL context", e);
        }
    }

    /** A client that authenticates the server only (no certificate of its own): tasks reading discovery. */
    public static SSLContext serverAuthenticated(X509Certificate ca) {
        return context(null, trusting(ca));
    }
}
