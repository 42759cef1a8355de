package io.flotilla.discovery.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * Trusts the cluster roots in a CA file ({@code $FLOTILLA_CA_CERT}: the node's {@code ca.crt},
 * one root, or two during a CA rotation), read again whenever the file changes, so a task that
 * runs through a rotation keeps reaching the managers with no restart.
 */
final class CaFileTrust extends X509ExtendedTrustManager {
    private final Path file;
    private volatile FileTime loadedAt;
    private volatile X509ExtendedTrustManager trust;

    CaFileTrust(Path file) throws IOException, GeneralSecurityException {
        this.file = file;
        reload();
    }

    private X509ExtendedTrustManager current() throws CertificateException {
        try {
            if (!Files.getLastModifiedTime(file).equals(loadedAt)) {
                reload();
            }
        } catch (IOException | GeneralSecurityException e) {
            // keep the roots read last (a file caught half-written)
        }
        return trust;
    }

    private synchronized void reload() throws IOException, GeneralSecurityException {
        FileTime time = Files.getLastModifiedTime(file);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int i = 0;
        try (InputStream in = Files.newInputStream(file)) {
            for (Certificate root : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                store.setCertificateEntry("flotilla-ca-" + i++, root);
            }
        }
        if (i == 0) {
            throw new CertificateException("no certificate in " + file);
        }
        TrustManagerFactory factory = TrustManagerFactory.getInstance("PKIX");
        factory.init(store);
        for (TrustManager manager : factory.getTrustManagers()) {
            if (manager instanceof X509ExtendedTrustManager x509) {
                trust = x509;
                loadedAt = time;
                return;
            }
        }
        throw new GeneralSecurityException("no X509 trust manager");
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        current().checkServerTrusted(chain, authType, socket);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        current().checkServerTrusted(chain, authType, engine);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        current().checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
        throw new CertificateException("checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
        throw new CertificateException("checks servers only");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("checks servers only");
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return trust.getAcceptedIssuers();
    }
}
