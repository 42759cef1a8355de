package io.flotilla.security;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A node's TLS files, in {@code DATA/tls/}: {@code ca.crt} (the cluster's trusted roots: one, or
 * two during a CA rotation, the one that signs now first), {@code ca-chain.crt} (only during a
 * rotation: what a certificate of the new root presents after itself, see {@link CaBundle}),
 * {@code node.crt} and
 * {@code node.key} (this node's credential, key {@code 0600}); on a manager also {@code ca.key}
 * ({@code 0600}: any manager can sign; the key of one of the roots) and {@code data.key} ({@code 0600}: the
 * {@link ClusterDataKey} that seals secrets and configs); on the first manager {@code admin.crt} and
 * {@code admin.key}, the CLI's credential (OU=admin).
 */
public record TlsDirectory(Path path) {
    public static TlsDirectory of(Path dataDir) {
        return new TlsDirectory(dataDir.toAbsolutePath().normalize().resolve("tls"));
    }

    public Path caCertificate() {
        return path.resolve("ca.crt");
    }

    public Path caChain() {
        return path.resolve("ca-chain.crt");
    }

    public Path caKey() {
        return path.resolve("ca.key");
    }

    /** The cluster data key (managers only): see {@link ClusterDataKey}. */
    public Path dataKey() {
        return path.resolve("data.key");
    }

    public boolean hasDataKey() {
        return Files.isRegularFile(dataKey());
    }

    public Path nodeCertificate() {
        return path.resolve("node.crt");
    }

    public Path nodeKey() {
        return path.resolve("node.key");
    }

    public Path adminCertificate() {
        return path.resolve("admin.crt");
    }

    public Path adminKey() {
        return path.resolve("admin.key");
    }

    public boolean hasNodeCredential() {
        return Files.isRegularFile(caCertificate()) && Files.isRegularFile(nodeCertificate())
                && Files.isRegularFile(nodeKey());
    }

    public boolean hasCaKey() {
        return Files.isRegularFile(caKey());
    }

    public boolean hasAdminCredential() {
        return Files.isRegularFile(caCertificate()) && Files.isRegularFile(adminCertificate())
                && Files.isRegularFile(adminKey());
    }

    /** The root that signs now (the first of {@code ca.crt}). */
    public X509Certificate readCaCertificate() throws IOException {
        return readCaBundle().signing();
    }

    public CaBundle readCaBundle() throws IOException {
        List<X509Certificate> chain = Files.isRegularFile(caChain()) ? Pem.readCertificates(caChain()) : List.of();
        return new CaBundle(Pem.readCertificates(caCertificate()), chain);
    }

    /** The files followed at every handshake: see {@link CaFiles}. */
    public CaFiles caFiles() throws IOException {
        return new CaFiles(caCertificate(), caChain());
    }

    /**
     * The CA with its key; only on a manager. The certificate is the root of {@code ca.crt} that
     * the key belongs to: during a rotation a manager trusts two roots but holds the key of one.
     */
    public CertificateAuthority readAuthority() throws IOException {
        PrivateKey key = Pem.readPrivateKey(caKey());
        for (X509Certificate root : readCaBundle().roots()) {
            if (ReloadingKeyManager.matches(root, key)) {
                return new CertificateAuthority(root, key);
            }
        }
        throw new IOException(caKey() + " is the key of none of the roots in " + caCertificate());
    }

    public void writeAuthority(CertificateAuthority authority) throws IOException {
        Pem.writePrivate(caKey(), Pem.encode(authority.key()));
        writeCaCertificate(authority.certificate());
    }

    /** A new CA key (a rotation's): written alone; {@link #readAuthority} pairs it with its root. */
    public void writeCaKey(PrivateKey key) throws IOException {
        Pem.writePrivate(caKey(), Pem.encode(key));
    }

    public void writeCaCertificate(X509Certificate certificate) throws IOException {
        writeCaBundle(CaBundle.of(certificate));
    }

    /**
     * Writes the roots and the chain: the chain first when it grows (a peer never presents a
     * chain this node cannot follow), and removed after the roots when it goes.
     */
    public void writeCaBundle(CaBundle bundle) throws IOException {
        if (!bundle.chain().isEmpty()) {
            Pem.writePublic(caChain(), Pem.encodeAll(bundle.chain()));
        }
        Pem.writePublic(caCertificate(), Pem.encodeAll(bundle.roots()));
        if (bundle.chain().isEmpty()) {
            Files.deleteIfExists(caChain());
        }
    }

    /** Key first, then certificate: a reader that sees a new key with the old certificate keeps its previous pair. */
    public void writeNodeCredential(X509Certificate certificate, PrivateKey key) throws IOException {
        Pem.writePrivate(nodeKey(), Pem.encode(key));
        Pem.writePublic(nodeCertificate(), Pem.encode(certificate));
    }

    public void writeAdminCredential(X509Certificate certificate, PrivateKey key) throws IOException {
        Pem.writePrivate(adminKey(), Pem.encode(key));
        Pem.writePublic(adminCertificate(), Pem.encode(certificate));
    }

    /**
     * With the CA key here: issues this directory's node credential locally (a key made here,
     * signed by the CA) unless one exists that names {@code subject}'s addresses and is not past
     * two thirds of its life and was signed by the root of this directory's key. Used by managers
     * that hold the CA (init, dev).
     */
    public void ensureNodeCredential(CertificateSubject subject, Duration validity, Instant now) throws IOException {
        if (Files.isRegularFile(nodeCertificate()) && Files.isRegularFile(nodeKey())) {
            X509Certificate current = Pem.readCertificate(nodeCertificate());
            CertificateSubject named = PeerIdentity.subjectOf(current);
            CertificateAuthority authority = readAuthority();
            if (named.commonName().equals(subject.commonName()) && named.role().equals(subject.role())
                    && named.ipAddresses().containsAll(subject.ipAddresses())
                    && now.isBefore(CertificateRenewer.renewalTime(current)) && signedBy(current, authority)) {
                return;
            }
        }
        CertificateAuthority authority = readAuthority();
        KeyPair keys = CertificateRequests.newKeyPair();
        writeNodeCredential(authority.issue(keys.getPublic(), subject, validity, now), keys.getPrivate());
    }

    private static boolean signedBy(X509Certificate certificate, CertificateAuthority authority) {
        try {
            certificate.verify(authority.certificate().getPublicKey());
            return true;
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    /**
     * The same for the admin credential (CN=admin, OU=admin, no addresses); also re-issued when
     * another root signed it (after a CA rotation, on the manager that holds it).
     */
    public void ensureAdminCredential(Duration validity, Instant now) throws IOException {
        CertificateAuthority authority = readAuthority();
        if (hasAdminCredential() && now.isBefore(CertificateRenewer.renewalTime(Pem.readCertificate(adminCertificate())))
                && signedBy(Pem.readCertificate(adminCertificate()), authority)) {
            return;
        }
        KeyPair keys = CertificateRequests.newKeyPair();
        writeAdminCredential(authority.issue(keys.getPublic(), new CertificateSubject(CertificateSubject.ADMIN,
                CertificateSubject.ADMIN, null, null), validity, now), keys.getPrivate());
    }
}
