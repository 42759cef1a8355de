package io.flotilla.node;

import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.api.CaStatus;
import io.flotilla.security.CaBundle;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.NodeTls;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's {@code tls/} in step with the cluster's root CA ({@code GET /v1/cluster/ca},
 * every second): writes the roots the cluster trusts and the chain of a rotation when they
 * change, renews the node's certificate when the root that signs now did not sign it (a
 * rotation started), and on a manager holding the admin credential re-issues it with the new
 * root. The TLS of the running node reads those files at each handshake ({@code CaFiles},
 * {@code ReloadingKeyManager}), so a rotation goes through with no restart.
 *
 * <p>Answers only move forward: one read at a lower state index than one already applied (a
 * manager that lags) is ignored, so a node never drops a root it was told to trust.
 */
final class CaFollower implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CaFollower.class);
    static final Duration PERIOD = Duration.ofSeconds(1);
    /** A renewal the log has not counted after this long is made again (its record may have been lost). */
    static final Duration RECOUNT_AFTER = Duration.ofSeconds(10);

    /** Renews this node's certificate now (through a manager, with the role the state gives it). */
    @FunctionalInterface
    interface Renewal {
        void renew() throws IOException;
    }

    private final String nodeId;
    private final NodeTls tls;
    private final Supplier<List<String>> managers;
    private final Renewal renewal;
    private final Thread thread;
    private volatile boolean running = true;
    private long index = -1;
    private String renewedFor;
    private Instant renewedAt = Instant.MIN;

    private CaFollower(String nodeId, NodeTls tls, Supplier<List<String>> managers, Renewal renewal) {
        this.nodeId = nodeId;
        this.tls = tls;
        this.managers = managers;
        this.renewal = renewal;
        this.thread = Thread.ofPlatform().daemon(true).name("flotilla-ca-follower").unstarted(this::run);
    }

    static CaFollower start(String nodeId, NodeTls tls, Supplier<List<String>> managers, Renewal renewal) {
        CaFollower follower = new CaFollower(nodeId, tls, managers, renewal);
        follower.thread.start();
        return follower;
    }

    private void run() {
        while (running) {
            try {
                pass();
            } catch (IOException | RuntimeException e) {
                LOG.debug("CA check: {}", e.toString());
            }
            try {
                Thread.sleep(PERIOD);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One look at the cluster's roots, and what follows from it. */
    synchronized void pass() throws IOException {
        CaStatus status = fetch();
        if (status == null || status.index() < index || status.roots().isEmpty()) {
            return;
        }
        index = status.index();
        TlsDirectory dir = tls.directory();
        CaBundle wanted = new CaBundle(status.roots().stream().map(Pem::certificate).toList(),
                status.chain().stream().map(Pem::certificate).toList());
        if (!wanted.equals(dir.readCaBundle())) {
            dir.writeCaBundle(wanted);
            LOG.info("CA: this node trusts {} now{}", wanted.roots().stream()
                    .map(root -> root.getSubjectX500Principal().getName()).toList(),
                    status.rotation() == null ? "" : " (a rotation is under way)");
        }
        X509Certificate own = Pem.readCertificate(dir.nodeCertificate());
        boolean stale = !wanted.signedByCurrentRoot(own);
        CaStatus.Rotation rotation = status.rotation();
        boolean uncounted = rotation != null && !rotation.renewed().contains(nodeId)
                && (!rotation.rootDigest().equals(renewedFor) || Instant.now().isAfter(renewedAt.plus(RECOUNT_AFTER)));
        if (stale || uncounted) {
            renewal.renew();
            renewedFor = rotation == null ? null : rotation.rootDigest();
            renewedAt = Instant.now();
            LOG.info("CA: renewed this node's certificate with the root {}", wanted.signing().getSubjectX500Principal().getName());
        }
        reissueAdminCredential(dir, wanted);
    }

    /** The manager that keeps the CLI's admin credential re-issues it once it holds the new root's key. */
    private static void reissueAdminCredential(TlsDirectory dir, CaBundle wanted) throws IOException {
        if (!dir.hasAdminCredential() || !dir.hasCaKey()) {
            return;
        }
        X509Certificate admin = Pem.readCertificate(dir.adminCertificate());
        if (wanted.signedByCurrentRoot(admin)) {
            return;
        }
        try {
            if (!dir.readAuthority().certificate().equals(wanted.signing())) {
                return; // not this root's key yet: the node's renewal brings it
            }
        } catch (IOException e) {
            return;
        }
        dir.ensureAdminCredential(CertificateAuthority.validityOf(admin), Instant.now());
        LOG.info("CA: re-issued the admin credential in {} with the new root", dir.path());
    }

    private CaStatus fetch() {
        for (String manager : managers.get()) {
            try {
                return new ClusterClient(manager, tls.context()).caStatus();
            } catch (ApiException e) {
                LOG.debug("CA check at {}: {}", manager, e.getMessage());
            }
        }
        return null;
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
