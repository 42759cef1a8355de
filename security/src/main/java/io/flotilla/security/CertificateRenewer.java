package io.flotilla.security;

import java.io.IOException;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Renews a node's certificate when two thirds of its life have passed: a new key made here, a
 * CSR sent (over mutual TLS, with the current certificate) to a manager, the signed certificate
 * checked against the CA and the key, then written key first — the {@link ReloadingKeyManager}s
 * pick it up from the files. A failed renewal is retried (every tenth of the time left, between
 * 1 and 30 s) until the certificate expires; after that the node must join again.
 */
public final class CertificateRenewer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CertificateRenewer.class);

    /** Sends a PEM CSR to a manager and returns the signed PEM certificate. */
    @FunctionalInterface
    public interface Signer {
        String sign(String csrPem) throws IOException;
    }

    private final TlsDirectory directory;
    private final Signer signer;
    private final InstantSource clock;
    private final Thread thread;
    private volatile boolean running = true;

    public CertificateRenewer(TlsDirectory directory, Signer signer, InstantSource clock) {
        this.directory = directory;
        this.signer = signer;
        this.clock = clock;
        this.thread = Thread.ofPlatform().daemon(true).name("flotilla-cert-renewer").unstarted(this::run);
    }

    /** When a certificate is due for renewal: two thirds into its validity. */
    public static Instant renewalTime(X509Certificate certificate) {
        Instant from = certificate.getNotBefore().toInstant();
        Instant to = certificate.getNotAfter().toInstant();
        return from.plus(Duration.between(from, to).multipliedBy(2).dividedBy(3));
    }

    public CertificateRenewer start() {
        thread.start();
        return this;
    }

    private void run() {
        while (running) {
            Duration wait;
            try {
                X509Certificate current = Pem.readCertificate(directory.nodeCertificate());
                Instant now = clock.instant();
                Instant due = renewalTime(current);
                if (!now.isBefore(due)) {
                    try {
                        renewNow();
                        continue;
                    } catch (IOException | RuntimeException e) {
                        Duration left = Duration.between(now, current.getNotAfter().toInstant());
                        wait = clamp(left.dividedBy(10), Duration.ofSeconds(1), Duration.ofSeconds(30));
                        LOG.warn("certificate renewal failed ({}); {} left, retrying in {} ms", e.getMessage(),
                                left.isNegative() ? "expired, nothing" : left.toSeconds() + " s", wait.toMillis());
                    }
                } else {
                    wait = clamp(Duration.between(now, due), Duration.ofMillis(100), Duration.ofMinutes(10));
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot read this node's certificate: {}", e.toString());
                wait = Duration.ofSeconds(10);
            }
            try {
                Thread.sleep(wait);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Renews now, whatever the certificate's age; returns the new certificate. */
    public X509Certificate renewNow() throws IOException {
        X509Certificate current = Pem.readCertificate(directory.nodeCertificate());
        KeyPair keys = CertificateRequests.newKeyPair();
        String csr = CertificateRequests.csr(keys, PeerIdentity.of(current).commonName());
        X509Certificate renewed = Pem.certificate(signer.sign(csr));
        if (directory.readCaBundle().issuerOf(renewed) == null) {
            throw new IOException("the renewed certificate (issued by " + renewed.getIssuerX500Principal().getName()
                    + ") was not signed by a root this node trusts");
        }
        if (!renewed.getPublicKey().equals(keys.getPublic())) {
            throw new IOException("the renewed certificate is not for the key this node sent");
        }
        directory.writeNodeCredential(renewed, keys.getPrivate());
        LOG.info("certificate renewed: {} until {}", PeerIdentity.of(renewed), renewed.getNotAfter().toInstant());
        return renewed;
    }

    private static Duration clamp(Duration value, Duration min, Duration max) {
        return value.compareTo(min) < 0 ? min : value.compareTo(max) > 0 ? max : value;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
