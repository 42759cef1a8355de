package io.flotilla.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster data key: AES-256-GCM that opens only with its key and associated data, kept 0600, never printed. */
class ClusterDataKeyTest {
    @TempDir
    Path dir;

    @Test
    void aSealedContentOpensOnlyWithItsKeyAndItsAssociatedData() {
        ClusterDataKey key = ClusterDataKey.generate();
        byte[] secret = "hunter2-flsec".getBytes(StandardCharsets.UTF_8);
        byte[] aad = "secret\0id1\0db\0001".getBytes(StandardCharsets.UTF_8);
        ClusterDataKey.Sealed sealed = key.seal(secret, aad);
        assertThat(sealed.nonce()).hasSize(ClusterDataKey.NONCE_BYTES);
        assertThat(new String(sealed.ciphertext(), StandardCharsets.ISO_8859_1)).doesNotContain("hunter2");
        assertThat(key.open(sealed.nonce(), sealed.ciphertext(), aad)).isEqualTo(secret);
        assertThat(key.seal(secret, aad).nonce()).as("a fresh nonce each time").isNotEqualTo(sealed.nonce());

        byte[] otherVersion = "secret\0id1\0db\0002".getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> key.open(sealed.nonce(), sealed.ciphertext(), otherVersion))
                .hasMessageContaining("does not open").hasMessageNotContaining("hunter2");
        assertThatThrownBy(() -> ClusterDataKey.generate().open(sealed.nonce(), sealed.ciphertext(), aad))
                .hasMessageContaining("does not open");
    }

    @Test
    void theKeyFileIsTheOwnersOnlyAndTheKeyIsNeverPrinted() throws Exception {
        ClusterDataKey key = ClusterDataKey.generate();
        Path file = TlsDirectory.of(dir).dataKey();
        key.write(file);
        assertThat(ClusterDataKey.read(file)).isEqualTo(key);
        assertThat(Files.getPosixFilePermissions(file)).hasSize(2);
        assertThat(key.toString()).doesNotContain(key.encoded());
        assertThatThrownBy(() -> ClusterDataKey.decode("c2hvcnQ=")).hasMessageContaining("32 bytes");
    }
}
