package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.cluster.BackupFile;
import io.flotilla.manager.cluster.RestoredState;
import io.flotilla.model.NodeRole;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.ClusterDataKey;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import io.flotilla.state.StateSnapshot;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flotilla cluster restore}: what it makes of an empty dir, and every refusal, each leaving nothing behind. */
class ClusterRestoreTest {
    @TempDir Path tmp;

    private byte[] backup(boolean withKeys) throws Exception {
        TlsDirectory source = TlsDirectory.of(tmp.resolve("source"));
        source.writeAuthority(CertificateAuthority.create("m1", Instant.now()));
        ClusterDataKey.generate().write(source.dataKey());
        StateSnapshot state = new StateSnapshot(7, List.of(), List.of(), List.of(), null);
        BackupFile.Body body = withKeys ? new BackupFile.Body(state, Files.readString(source.caCertificate()), null,
                Files.readString(source.caKey()), Files.readString(source.dataKey()))
                : new BackupFile.Body(state, null, null, null, null);
        return BackupFile.write(new BackupFile.Header(1, "c1", 9, 2, "2026-12-06T01:00:00Z", 0), body);
    }

    @Test
    void anAbsentDirBecomesAFirstManagersDataDirWithTheKeys() throws Exception {
        byte[] file = backup(true);
        Path data = tmp.resolve("restored");

        ClusterRestore.Restored restored = ClusterRestore.restore(file, data, "127.0.14.1");

        NodeConfig config = NodeConfig.load(data).orElseThrow();
        assertThat(config.nodeId()).isEqualTo(restored.nodeId());
        assertThat(config.clusterId()).isEqualTo("c1");
        assertThat(config.role()).isEqualTo(NodeRole.MANAGER);
        assertThat(config.bootstrap()).isTrue();
        assertThat(config.advertise()).isEqualTo("127.0.14.1");
        TlsDirectory tls = TlsDirectory.of(data);
        assertThat(Pem.readPrivateKey(tls.caKey())).isEqualTo(Pem.readPrivateKey(TlsDirectory.of(tmp.resolve("source")).caKey()));
        assertThat(Files.readString(tls.dataKey())).isEqualTo(Files.readString(TlsDirectory.of(tmp.resolve("source")).dataKey()));
        Path seed = data.resolve("manager").resolve(RestoredState.FILE);
        assertThat(Files.readAllBytes(seed)).isEqualTo(file);
        for (Path secret : List.of(seed, tls.caKey(), tls.dataKey())) {
            assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret))).as(secret.toString())
                    .isEqualTo("rw-------");
        }
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("source", "restored");
        }
    }

    @Test
    void anEmptyDirIsUsed() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("empty"));

        ClusterRestore.restore(backup(true), data, "127.0.14.1");

        assertThat(data.resolve(NodeConfig.FILE)).exists();
    }

    @Test
    void aDirThatHoldsAnythingIsRefusedAndKeepsWhatItHolds() throws Exception {
        Path data = Files.createDirectories(tmp.resolve("used"));
        Files.writeString(data.resolve("node-id"), "abc\n");

        assertThatThrownBy(() -> ClusterRestore.restore(backup(true), data, "127.0.14.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("is not empty");
        try (var left = Files.list(data)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactly("node-id");
        }
        try (var left = Files.list(tmp)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("source", "used");
        }
    }

    @Test
    void aDamagedFileWritesNothing() throws Exception {
        byte[] file = backup(true);
        file[file.length / 2] ^= 4;
        Path data = tmp.resolve("restored");

        assertThatThrownBy(() -> ClusterRestore.restore(file, data, "127.0.14.1"))
                .isInstanceOf(BackupFile.InvalidBackupException.class).hasMessageContaining("damaged");
        assertThat(data).doesNotExist();
    }

    @Test
    void aBackupWithoutKeysIsRefused() throws Exception {
        Path data = tmp.resolve("restored");

        assertThatThrownBy(() -> ClusterRestore.restore(backup(false), data, "127.0.14.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("no CA key");
        assertThat(data).doesNotExist();
    }
}
