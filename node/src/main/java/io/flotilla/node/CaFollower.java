package io.flotilla.node;

import io.flotilla.agent.SessionListener;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.api.CaStatus;
import io.flotilla.model.api.NodeSession;
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
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a node's {@code tls/} in step with the cluster's root CA ({@code GET /v1/cluster/ca}):
 * writes the roots the cluster trusts and the chain of a rotation when they change, renews the
 * node's certificate when the root that signs now did not sign it (a rotation started), and on a
 * manager holding the admin credential re-issues it with the new root. The TLS of the running
 * node reads those files at each handshake ({@code CaFiles}, {@code ReloadingKeyManager}), so a
 * rotation goes through with no restart.
 *
 * <p>When it looks: once at start, then each time the CA's identity in the node's session
 * ({@link NodeSession.CaIdentity}: the signing root, a rotation running, this node counted)
 * changes — the agent's long poll brings it at once — and, during a rotation that has not counted
 * this node yet, every {@link #RECOUNT_AFTER}. A look that reaches no manager is tried again
 * every {@link #RETRY}.
 *
 * <p>Answers only move forward: one read at a lower state index than one already applied (a
 * manager that lags) is ignored, so a node never drops a root it was told to trust.
 */
final class CaFollower implements AutoCloseable, SessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(CaFollower.class);
    /** How soon a look that reached no manager is tried again. */
    static final Duration RETRY = Duration.ofSeconds(1);
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
    private final Semaphore wake = new Semaphore(0);
    /** The CA's identity in the latest session; null before the first. */
    private volatile NodeSession.CaIdentity sessionCa;
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

    @Override
    public void session(NodeSession session) {
        if (session.ca() != null && !session.ca().equals(sessionCa)) {
            sessionCa = session.ca();
            wake.release();
        }
    }

    private void run() {
        NodeSession.CaIdentity done = null;
        while (running) {
            NodeSession.CaIdentity target = sessionCa;
            boolean looked;
            try {
                looked = pass(target);
            } catch (IOException | RuntimeException e) {
                LOG.debug("CA check: {}", e.toString());
                looked = false;
            }
            try {
                if (!looked) {
                    Thread.sleep(RETRY);
                    continue;
                }
                done = target;
                long until = target != null && target.rotating() && !target.renewed()
                        ? System.nanoTime() + RECOUNT_AFTER.toNanos() : Long.MAX_VALUE;
                while (running && java.util.Objects.equals(sessionCa, done)) {
                    long left = until - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    wake.tryAcquire(Math.min(left, TimeUnit.HOURS.toNanos(1)), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * One look at the cluster's roots, and what follows from it. False when no manager answered,
     * or the one that did has not yet applied what {@code target} (the session's, from the leader)
     * says: the look is to be made again.
     */
    synchronized boolean pass(NodeSession.CaIdentity target) throws IOException {
        CaStatus status = fetch();
        if (status == null || status.index() < index) {
            return false; // no answer, or from a manager behind one already applied
        }
        if (status.roots().isEmpty()) {
            return true;
        }
        if (!agrees(status, target)) {
            LOG.debug("CA check: the answer (index {}) is behind the session's CA {}", status.index(), target);
            return false;
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
        return true;
    }

    /** Whether {@code status} shows the CA as {@code target} describes it (null: nothing to compare). */
    private boolean agrees(CaStatus status, NodeSession.CaIdentity target) {
        if (target == null) {
            return true;
        }
        CaStatus.Rotation rotation = status.rotation();
        if ((rotation != null) != target.rotating()
                || (rotation != null && rotation.renewed().contains(nodeId) != target.renewed())) {
            return false;
        }
        return target.rootDigest() == null
                || target.rootDigest().equals(CertificateAuthority.digest(Pem.certificate(status.roots().getFirst())));
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
