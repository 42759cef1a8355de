package io.flotilla.manager.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.state.ClusterState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real Ratis on disk: a backup taken from a running manager starts a new manager on an empty data
 * dir with the same state, whose log continues after the backup's index, and which keeps it
 * across a restart (the restored state is its first snapshot, not a one-off in memory).
 */
class RestoredStateTest {
    private static final Instant T0 = Instant.parse("2026-12-06T00:00:00Z");

    @TempDir
    Path dir;
    private final TestManagers managers = new TestManagers();

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private Manager start(Path data) throws Exception {
        return managers.start(TestManagers.config(data, null), new FakeClock(T0), TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false));
    }

    @Test
    void aBackupStartsANewManagerWithTheSameStateAndALogThatGoesOn() throws Exception {
        Manager original = start(dir.resolve("a"));
        for (int i = 0; i < 5; i++) {
            original.submit(new Command.CreateService("id" + i, ServiceSpec.process("svc" + i, 1, List.of("true")), T0))
                    .get();
        }
        byte[] file = Base64.getDecoder().decode((String) original.admin().backup().get("file"));
        BackupFile.Header header = BackupFile.parse(file).header();
        long stateIndex = original.state().index();
        original.close();
        assertThat(header.index()).isGreaterThanOrEqualTo(stateIndex);

        Path restoredDir = dir.resolve("b");
        Files.createDirectories(restoredDir);
        Files.write(restoredDir.resolve(RestoredState.FILE), file);
        Manager restored = start(restoredDir);

        assertThat(restored.state().services()).hasSize(5);
        assertThat(restored.state().index()).isGreaterThanOrEqualTo(stateIndex);
        assertThat(restoredDir.resolve(RestoredState.FILE)).doesNotExist();
        ClusterState after = restored.submit(new Command.CreateService("new", ServiceSpec.process("more", 1,
                List.of("true")), T0)).get();
        assertThat(after.index()).isGreaterThan(header.index());
        restored.close();

        Manager again = start(restoredDir);
        assertThat(again.state().services()).hasSize(6);
        assertThat(again.state().serviceByName("svc3")).isPresent();
    }

    @Test
    void aDamagedRestoreFileStopsTheStart() throws Exception {
        Manager original = start(dir.resolve("a"));
        byte[] file = Base64.getDecoder().decode((String) original.admin().backup().get("file"));
        original.close();
        file[file.length - 3] ^= 1;
        Path restoredDir = dir.resolve("b");
        Files.createDirectories(restoredDir);
        Files.write(restoredDir.resolve(RestoredState.FILE), file);

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> start(restoredDir))
                .hasMessageContaining("SHA-256");
    }
}
