package io.flotilla.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real handshakes at every step of a CA rotation: whichever nodes have learned of it, renewed, or
 * dropped the old root, no handshake between two nodes of the cluster fails until the old root is
 * retired, and after that a certificate of the old root is refused.
 */
class CaRotationTlsTest {
    @TempDir Path tmp;
    private final Instant now = Instant.now();
    private final CertificateAuthority old = CertificateAuthority.create("c1", now);
    private final CertificateAuthority fresh = CertificateAuthority.successor(old.certificate(), now);
    private final X509Certificate cross = old.crossSign(fresh.certificate(), now);
    private final CaBundle before = CaBundle.of(old.certificate());
    private final CaBundle during = new CaBundle(List.of(fresh.certificate(), old.certificate()),
            List.of(cross, old.certificate()));
    private final CaBundle after = CaBundle.of(fresh.certificate());

    /** A node with a certificate of {@code issuer} that trusts {@code bundle}. */
    private NodeTls node(String name, CertificateAuthority issuer, CaBundle bundle) throws IOException {
        TlsDirectory dir = TlsDirectory.of(tmp.resolve(name));
        KeyPair keys = CertificateRequests.newKeyPair();
        dir.writeNodeCredential(issuer.issue(keys.getPublic(), new CertificateSubject(name, CertificateSubject.MANAGER,
                List.of("127.0.0.1"), null), Duration.ofDays(1), now), keys.getPrivate());
        dir.writeCaBundle(bundle);
        return NodeTls.node(dir);
    }

    @Test
    void theSuccessorHasANameOfItsOwnAndTheCrossSignedCertificateCarriesItsKey() {
        assertThat(fresh.certificate().getSubjectX500Principal()).isNotEqualTo(old.certificate().getSubjectX500Principal());
        assertThat(fresh.certificate().getSubjectX500Principal().getName()).contains("flotilla cluster CA c1 rotated ");
        String again = CertificateAuthority.successor(fresh.certificate(), now).certificate().getSubjectX500Principal().getName();
        assertThat(again.split("rotated", -1)).as(again).hasSize(2);
        assertThat(cross.getPublicKey()).isEqualTo(fresh.certificate().getPublicKey());
        assertThat(cross.getIssuerX500Principal()).isEqualTo(old.certificate().getSubjectX500Principal());
    }

    @Test
    void everyPairOfNodesShakesHandsWhileTheRotationRuns() throws Exception {
        List<NodeTls> nodes = List.of(
                node("unaware", old, before),     // has not heard of the rotation yet
                node("trusting", old, during),    // trusts both roots, not renewed yet
                node("renewed", fresh, during));  // renewed: presents [leaf, cross-signed, old root]
        for (NodeTls server : nodes) {
            try (LoopbackTls listening = new LoopbackTls(server.context())) {
                for (NodeTls client : nodes) {
                    String name = PeerIdentity.of(client.keyManager().certificate()).commonName();
                    assertThat(LoopbackTls.call(client.context(), listening.port()))
                            .as("%s → %s", name, PeerIdentity.of(server.keyManager().certificate()).commonName())
                            .isEqualTo(name);
                }
            }
        }
    }

    @Test
    void aRenewedNodeIsAcceptedByNodesThatDroppedTheOldRootAndTheOldRootIsRefusedThere() throws Exception {
        NodeTls renewed = node("renewed", fresh, during);
        NodeTls done = node("done", fresh, after);
        try (LoopbackTls listening = new LoopbackTls(done.context())) {
            assertThat(LoopbackTls.call(renewed.context(), listening.port())).isEqualTo("renewed");
            NodeTls straggler = node("straggler", old, during);
            // The server refuses the client's certificate: in TLS 1.3 the client may see that as a broken pipe.
            assertThatThrownBy(() -> LoopbackTls.call(straggler.context(), listening.port())).isInstanceOf(IOException.class);
            assertThat(listening.lastPeer()).isEqualTo("renewed");
        }
        try (LoopbackTls listening = new LoopbackTls(renewed.context())) {
            assertThat(LoopbackTls.call(done.context(), listening.port())).isEqualTo("done");
        }
    }

    @Test
    void aJoiningNodePinningTheOldRootAcceptsARenewedManager() throws Exception {
        NodeTls renewed = node("renewed", fresh, during);
        try (LoopbackTls listening = new LoopbackTls(renewed.context())) {
            PinnedTrustManager pinned = new PinnedTrustManager(old.digest());
            assertThat(LoopbackTls.call(TlsContexts.context(null, pinned), listening.port())).isEqualTo("-");
            assertThat(pinned.caCertificate()).isEqualTo(old.certificate());
        }
        assertThat(during.pinned()).isEqualTo(old.certificate());
        assertThat(after.pinned()).isEqualTo(fresh.certificate());
    }

    @Test
    void aRunningNodeFollowsItsCaFilesWithoutARestart() throws Exception {
        NodeTls unaware = node("unaware", old, before);
        // presents [leaf, new root] only, and still accepts the old root's clients
        NodeTls done = node("done", fresh, new CaBundle(List.of(fresh.certificate(), old.certificate()), List.of()));
        try (LoopbackTls listening = new LoopbackTls(done.context())) {
            assertThatThrownBy(() -> LoopbackTls.call(unaware.context(), listening.port())).isInstanceOf(SSLException.class);
            unaware.directory().writeCaBundle(during); // what the node's CA follower writes
            assertThat(LoopbackTls.call(unaware.context(), listening.port())).isEqualTo("unaware");
        }
        assertThat(unaware.caBundle()).isEqualTo(during);
        assertThat(unaware.directory().caChain()).exists();
        unaware.directory().writeCaBundle(after);
        assertThat(unaware.directory().caChain()).doesNotExist();
    }

    @Test
    void aManagerFindsTheRootItsKeyBelongsTo() throws Exception {
        TlsDirectory dir = TlsDirectory.of(tmp.resolve("m"));
        dir.writeAuthority(old);
        dir.writeCaBundle(during);
        assertThat(dir.readAuthority().certificate()).isEqualTo(old.certificate());
        dir.writeCaKey(fresh.key());
        assertThat(dir.readAuthority().certificate()).isEqualTo(fresh.certificate());
        dir.writeCaBundle(before);
        assertThatThrownBy(dir::readAuthority).isInstanceOf(IOException.class).hasMessageContaining("none of the roots");
    }
}
