package io.flotilla.security;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.Principal;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Arrays;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedKeyManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A key manager that serves whatever certificate and key the files hold now: every handshake
 * checks the files' modification times and re-reads them when they changed, so a renewed
 * certificate is used by the next connection of every server and client without a restart.
 * A certificate whose public key does not match the key (caught between the two writes of a
 * renewal) is ignored until it does; the previous pair stays in use meanwhile.
 *
 * <p>It presents the chain [certificate, path to the roots] ({@link CaBundle#chainFor}), so that a
 * peer that pinned the CA by its digest (a joining node) finds it in the chain, and during a CA
 * rotation a peer that trusts only the old root still accepts a certificate of the new one.
 */
public final class ReloadingKeyManager extends X509ExtendedKeyManager {
    /**
     * Made at the first message, not with the class: the CLI loads this class for every command,
     * and the logging framework's start (Logback reading its XML) cost a client command ~200 ms.
     */
    private static final class Log {
        static final Logger LOG = LoggerFactory.getLogger(ReloadingKeyManager.class);
    }
    static final String ALIAS = "flotilla";

    private final Path certificateFile;
    private final Path keyFile;
    private final CaFiles roots;
    private record Loaded(FileTime certificateTime, FileTime keyTime, X509Certificate certificate, PrivateKey key) {}
    private volatile Loaded loaded;

    public ReloadingKeyManager(Path certificateFile, Path keyFile, CaFiles roots) throws IOException {
        this.certificateFile = certificateFile;
        this.keyFile = keyFile;
        this.roots = roots;
        this.loaded = load(null, false);
        if (loaded == null) {
            throw new IOException(certificateFile + " does not hold a certificate for the key in " + keyFile);
        }
    }

    /** The certificate in use now (after a reload if the files changed). */
    public X509Certificate certificate() {
        return current().certificate();
    }

    private Loaded current() {
        Loaded now = loaded;
        try {
            FileTime certificateTime = Files.getLastModifiedTime(certificateFile);
            FileTime keyTime = Files.getLastModifiedTime(keyFile);
            if (certificateTime.equals(now.certificateTime()) && keyTime.equals(now.keyTime())) {
                return now;
            }
            synchronized (this) {
                Loaded fresh = load(now, true);
                if (fresh != null && fresh != now) {
                    loaded = fresh;
                    Log.LOG.info("TLS: using the renewed certificate {} (valid until {})",
                            fresh.certificate().getSerialNumber().toString(16), fresh.certificate().getNotAfter().toInstant());
                    return fresh;
                }
            }
        } catch (IOException | RuntimeException e) {
            Log.LOG.debug("TLS: keeping the current certificate ({} unreadable: {})", certificateFile, e.toString());
        }
        return now;
    }

    /**
     * The pair in the files, or {@code previous} when they do not match (yet); null if nothing
     * usable. The match is checked (a signature made and verified) only on a reload, where a
     * renewal may be caught between its two writes; at the first load that check would cost a
     * CLI command about half a second, and a mismatched pair fails the handshake anyway.
     */
    private Loaded load(Loaded previous, boolean checkMatch) throws IOException {
        FileTime certificateTime = Files.getLastModifiedTime(certificateFile);
        FileTime keyTime = Files.getLastModifiedTime(keyFile);
        X509Certificate certificate = Pem.readCertificate(certificateFile);
        PrivateKey key = Pem.readPrivateKey(keyFile);
        if (checkMatch && !matches(certificate, key)) {
            return previous;
        }
        return new Loaded(certificateTime, keyTime, certificate, key);
    }

    static boolean matches(X509Certificate certificate, PrivateKey key) {
        try {
            java.security.Signature signer = java.security.Signature.getInstance(CertificateRequests.SIGNATURE_ALGORITHM);
            byte[] probe = "flotilla".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            signer.initSign(key);
            signer.update(probe);
            byte[] signature = signer.sign();
            signer.initVerify(certificate.getPublicKey());
            signer.update(probe);
            return signer.verify(signature);
        } catch (java.security.GeneralSecurityException e) {
            return false;
        }
    }

    private String alias(String[] keyTypes) {
        String algorithm = current().key().getAlgorithm();
        return keyTypes == null || Arrays.stream(keyTypes).anyMatch(t -> t != null && t.startsWith(algorithm)) ? ALIAS : null;
    }

    @Override
    public String[] getClientAliases(String keyType, Principal[] issuers) {
        return alias(new String[] {keyType}) == null ? null : new String[] {ALIAS};
    }

    @Override
    public String chooseClientAlias(String[] keyTypes, Principal[] issuers, Socket socket) {
        return alias(keyTypes);
    }

    @Override
    public String chooseEngineClientAlias(String[] keyTypes, Principal[] issuers, SSLEngine engine) {
        return alias(keyTypes);
    }

    @Override
    public String[] getServerAliases(String keyType, Principal[] issuers) {
        return getClientAliases(keyType, issuers);
    }

    @Override
    public String chooseServerAlias(String keyType, Principal[] issuers, Socket socket) {
        return alias(new String[] {keyType});
    }

    @Override
    public String chooseEngineServerAlias(String keyType, Principal[] issuers, SSLEngine engine) {
        return alias(new String[] {keyType});
    }

    @Override
    public X509Certificate[] getCertificateChain(String alias) {
        return ALIAS.equals(alias) ? roots.bundle().chainFor(current().certificate()) : null;
    }

    @Override
    public PrivateKey getPrivateKey(String alias) {
        return ALIAS.equals(alias) ? current().key() : null;
    }
}
