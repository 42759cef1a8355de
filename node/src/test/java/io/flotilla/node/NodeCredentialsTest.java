package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A promoted node receives the CA key with its manager certificate; a demoted one lets go of it. */
class NodeCredentialsTest {
    private final CertificateAuthority ca = CertificateAuthority.create("test", Instant.now());

    @Test
    void managerRenewalStoresTheCaKeyAndWorkerRenewalDeletesIt(@TempDir Path data) throws Exception {
        TlsDirectory directory = TlsDirectory.of(data);
        Files.createDirectories(directory.path());
        directory.writeCaCertificate(ca.certificate());

        String manager = certificate(CertificateSubject.MANAGER);
        io.flotilla.security.ClusterDataKey dataKey = io.flotilla.security.ClusterDataKey.generate();
        NodeCredentials.keepCaKeyForRole(directory, Map.of("certificate", manager,
                "caKey", Pem.encode(ca.key()), "dataKey", dataKey.encoded()), manager);
        assertThat(directory.hasCaKey()).isTrue();
        assertThat(io.flotilla.security.ClusterDataKey.read(directory.dataKey())).isEqualTo(dataKey);
        assertThat(Files.getPosixFilePermissions(directory.dataKey())).hasSize(2); // owner read/write only
        assertThat(directory.readAuthority().key()).isEqualTo(ca.key());
        assertThat(Files.getPosixFilePermissions(directory.caKey())).hasSize(2); // owner read/write only

        String worker = certificate(CertificateSubject.WORKER);
        NodeCredentials.keepCaKeyForRole(directory, Map.of("certificate", worker), worker);
        assertThat(directory.hasCaKey()).isFalse();
        assertThat(directory.hasDataKey()).as("a demoted node deletes the data key too").isFalse();
    }

    @Test
    void aManagerRenewalWithoutAKeyLeavesTheHeldKeyAlone(@TempDir Path data) throws Exception {
        TlsDirectory directory = TlsDirectory.of(data);
        Files.createDirectories(directory.path());
        directory.writeAuthority(ca);
        String manager = certificate(CertificateSubject.MANAGER);
        NodeCredentials.keepCaKeyForRole(directory, Map.of("certificate", manager), manager);
        assertThat(directory.hasCaKey()).isTrue();
    }

    private String certificate(String role) {
        var keys = CertificateRequests.newKeyPair();
        return Pem.encode(ca.issue(keys.getPublic(), new CertificateSubject("node-1", role, List.of("127.0.0.2"),
                List.of()), Duration.ofDays(1), Instant.now()));
    }
}
