package io.flotilla.manager.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.state.StateSnapshot;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The backup file: what is written reads back the same, and every kind of damage is refused with its reason. */
class BackupFileTest {
    private static byte[] sample() {
        Instant at = Instant.parse("2026-12-06T00:00:00Z");
        Service web = new Service("s1", 1, ServiceSpec.process("web", 2, List.of("sleep", "1")), null, at, at, null, null);
        StateSnapshot state = new StateSnapshot(40, List.of(web), List.of(), List.of(), null);
        return BackupFile.write(new BackupFile.Header(BackupFile.VERSION, "c1", 42, 3, "2026-12-06T01:00:00Z", 0),
                new BackupFile.Body(state, "ROOTS", null, "CAKEY", "DATAKEY"));
    }

    @Test
    void roundTrip() {
        BackupFile.Contents contents = BackupFile.parse(sample());

        assertThat(contents.header().clusterId()).isEqualTo("c1");
        assertThat(contents.header().index()).isEqualTo(42);
        assertThat(contents.header().term()).isEqualTo(3);
        assertThat(contents.body().caKey()).isEqualTo("CAKEY");
        assertThat(contents.body().dataKey()).isEqualTo("DATAKEY");
        assertThat(contents.body().state().toState().serviceByName("web")).isPresent();
    }

    @Test
    void everyFlippedByteIsRefused() {
        byte[] file = sample();
        for (int i = 0; i < file.length; i++) {
            byte[] damaged = file.clone();
            damaged[i] ^= 0x01;
            int at = i;
            assertThatThrownBy(() -> BackupFile.parse(damaged)).as("byte %d flipped", at)
                    .isInstanceOf(BackupFile.InvalidBackupException.class);
        }
    }

    @Test
    void aFlippedByteInTheBodySaysTheChecksumDoesNotMatch() {
        byte[] file = sample();
        file[file.length - 5] ^= 0x20;

        assertThatThrownBy(() -> BackupFile.parse(file)).hasMessageContaining("SHA-256");
    }

    @Test
    void aTruncatedFileSaysSo() {
        byte[] file = sample();

        assertThatThrownBy(() -> BackupFile.parse(Arrays.copyOf(file, file.length - 10)))
                .isInstanceOf(BackupFile.InvalidBackupException.class).hasMessageContaining("truncated");
        assertThatThrownBy(() -> BackupFile.parse(Arrays.copyOf(file, 10)))
                .isInstanceOf(BackupFile.InvalidBackupException.class);
        assertThatThrownBy(() -> BackupFile.parse(new byte[0])).hasMessageContaining("not a flotilla backup");
    }

    @Test
    void anotherVersionIsRefused() {
        String text = new String(sample(), StandardCharsets.UTF_8).replaceFirst("FLOTILLA-BACKUP 1 ", "FLOTILLA-BACKUP 2 ");

        assertThatThrownBy(() -> BackupFile.parse(text.getBytes(StandardCharsets.UTF_8)))
                .isInstanceOf(BackupFile.InvalidBackupException.class)
                .hasMessageContaining("unsupported backup format version 2");
    }

    @Test
    void somethingElseIsNotABackup() {
        assertThatThrownBy(() -> BackupFile.parse("{\"index\": 1}\n".getBytes(StandardCharsets.UTF_8)))
                .hasMessageContaining("not a flotilla backup");
    }
}
