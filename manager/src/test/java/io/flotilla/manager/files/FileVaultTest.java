package io.flotilla.manager.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.ClusterFile;
import io.flotilla.model.FileKind;
import io.flotilla.model.SealedData;
import io.flotilla.security.ClusterDataKey;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The manager's vault: a content sealed for one object and version opens only as that object and
 * version; opened contents are cached by id and version and forgotten with their object; without a
 * key nothing is sealed, and no message names a content.
 */
class FileVaultTest {
    private static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    private static final ClusterDataKey KEY = ClusterDataKey.generate();

    private static ClusterFile file(String id, String name, long version, SealedData sealed) {
        return new ClusterFile(id, FileKind.SECRET, name, null, Map.of(), version, T0, T0, sealed);
    }

    @Test
    void aContentOpensOnlyAsTheObjectAndVersionItWasSealedFor() {
        FileVault vault = new FileVault(() -> KEY);
        byte[] secret = "hunter2-flsec".getBytes(StandardCharsets.UTF_8);
        SealedData sealed = vault.seal(FileKind.SECRET, "id1", "db", 1, secret);
        assertThat(vault.open(file("id1", "db", 1, sealed))).isEqualTo(secret);
        assertThat(vault.holds(file("id1", "db", 1, sealed), secret)).isTrue();
        assertThat(vault.cached()).isEqualTo(1);

        for (ClusterFile moved : new ClusterFile[] {file("id1", "db", 2, sealed), file("id2", "db", 1, sealed),
                file("id1", "other", 1, sealed)}) {
            assertThatThrownBy(() -> new FileVault(() -> KEY).open(moved)).hasMessageContaining("does not open")
                    .hasMessageNotContaining("hunter2");
        }
        vault.retain(Set.of("id9"));
        assertThat(vault.cached()).isZero();
        assertThat(vault.open(file("id1", "db", 1, sealed))).isEqualTo(secret);
    }

    @Test
    void withoutAKeyNothingIsSealed() {
        FileVault vault = new FileVault(() -> null);
        assertThat(vault.available()).isFalse();
        assertThatThrownBy(() -> vault.seal(FileKind.SECRET, "id1", "db", 1, new byte[] {1}))
                .isInstanceOf(FileVault.MissingDataKeyException.class).hasMessageContaining("data.key");
    }
}
