package io.flotilla.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CertificateAuthorityTest {
    private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void rootIsAP256CaValidForTenYears() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", NOW);
        X509Certificate root = ca.certificate();
        assertThat(root.getBasicConstraints()).isGreaterThanOrEqualTo(0);
        assertThat(root.getPublicKey().getAlgorithm()).isEqualTo("EC");
        assertThat(Duration.between(NOW, root.getNotAfter().toInstant())).isEqualTo(Duration.ofDays(3650));
        root.verify(root.getPublicKey());
        assertThat(ca.digest()).hasSize(64).matches("[0-9a-f]+").isEqualTo(CertificateAuthority.digest(root));
        assertThat(CertificateAuthority.create("c1", NOW).digest()).isNotEqualTo(ca.digest());
    }

    @Test
    void signsACsrWithTheSubjectItChooses() throws Exception {
        CertificateAuthority ca = CertificateAuthority.create("c1", NOW);
        KeyPair keys = CertificateRequests.newKeyPair();
        String csr = CertificateRequests.csr(keys, "whatever-the-node-asks");
        X509Certificate cert = ca.sign(csr, new CertificateSubject("node1", "worker", List.of("127.0.0.2"),
                List.of("host1")), Duration.ofDays(90), NOW);
        cert.verify(ca.certificate().getPublicKey());
        ca.verify(cert);
        assertThat(cert.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(PeerIdentity.of(cert)).isEqualTo(new PeerIdentity("node1", "worker"));
        assertThat(PeerIdentity.subjectOf(cert).ipAddresses()).containsExactly("127.0.0.2");
        assertThat(PeerIdentity.subjectOf(cert).dnsNames()).containsExactly("host1");
        assertThat(cert.getNotAfter().toInstant()).isEqualTo(NOW.plus(Duration.ofDays(90)));
        assertThat(cert.getExtendedKeyUsage()).contains("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2");
        assertThat(cert.getBasicConstraints()).isEqualTo(-1);
    }

    @Test
    void refusesATamperedOrForeignCsrAndForeignCertificates() {
        CertificateAuthority ca = CertificateAuthority.create("c1", NOW);
        assertThatThrownBy(() -> CertificateRequests.verifiedPublicKey("garbage")).isInstanceOf(IllegalArgumentException.class);
        String csr = CertificateRequests.csr(CertificateRequests.newKeyPair(), "n");
        String tampered = csr.replace(csr.substring(100, 104), csr.charAt(100) == 'A' ? "BBBB" : "AAAA");
        assertThatThrownBy(() -> CertificateRequests.verifiedPublicKey(tampered)).isInstanceOf(IllegalArgumentException.class);
        CertificateAuthority other = CertificateAuthority.create("c2", NOW);
        X509Certificate foreign = other.issue(CertificateRequests.newKeyPair().getPublic(),
                new CertificateSubject("n", "worker", null, null), Duration.ofDays(1), NOW);
        assertThatThrownBy(() -> ca.verify(foreign)).hasMessageContaining("not signed by this cluster's CA");
        assertThatThrownBy(() -> new CertificateSubject("n", "root", null, null)).hasMessageContaining("role");
    }

    @Test
    void renewalIsDueAtTwoThirdsOfTheValidity() {
        CertificateAuthority ca = CertificateAuthority.create("c1", NOW);
        X509Certificate cert = ca.issue(CertificateRequests.newKeyPair().getPublic(),
                new CertificateSubject("n", "worker", null, null), Duration.ofSeconds(30), NOW);
        // 3 s backdated (a tenth of its life), so the window is 33 s: due 22 s after notBefore.
        assertThat(CertificateRenewer.renewalTime(cert)).isEqualTo(NOW.minusSeconds(3).plusSeconds(22));
    }

    @Test
    void filesRoundTripAndKeysAreOwnerOnly(@TempDir Path tmp) throws Exception {
        TlsDirectory dir = TlsDirectory.of(tmp);
        CertificateAuthority ca = CertificateAuthority.create("c1", NOW);
        dir.writeAuthority(ca);
        dir.ensureNodeCredential(new CertificateSubject("node1", "manager", List.of("127.0.0.1"), null),
                Duration.ofDays(90), Instant.now());
        dir.ensureAdminCredential(Duration.ofDays(365), Instant.now());
        for (Path key : List.of(dir.caKey(), dir.nodeKey(), dir.adminKey())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        }
        assertThat(dir.readAuthority().digest()).isEqualTo(ca.digest());
        assertThat(PeerIdentity.of(Pem.readCertificate(dir.adminCertificate())).isAdmin()).isTrue();
        assertThat(ReloadingKeyManager.matches(Pem.readCertificate(dir.nodeCertificate()), Pem.readPrivateKey(dir.nodeKey())))
                .isTrue();
        // A current credential that names the address is kept; one for another address is replaced.
        String before = Files.readString(dir.nodeCertificate());
        dir.ensureNodeCredential(new CertificateSubject("node1", "manager", List.of("127.0.0.1"), null),
                Duration.ofDays(90), Instant.now());
        assertThat(Files.readString(dir.nodeCertificate())).isEqualTo(before);
        dir.ensureNodeCredential(new CertificateSubject("node1", "manager", List.of("127.0.0.9"), null),
                Duration.ofDays(90), Instant.now());
        assertThat(PeerIdentity.subjectOf(Pem.readCertificate(dir.nodeCertificate())).ipAddresses()).containsExactly("127.0.0.9");
    }
}
