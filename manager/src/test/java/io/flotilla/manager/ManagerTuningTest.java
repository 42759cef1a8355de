package io.flotilla.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.raft.RaftClusterStore;
import org.junit.jupiter.api.Test;

/** The snapshot interval a node's JVM may be given ({@link ManagerTuning#SNAPSHOT_INTERVAL_PROPERTY}). */
class ManagerTuningTest {
    @Test
    void theSnapshotIntervalDefaultsTo10000AndTakesAnEntryCount() {
        assertThat(ManagerTuning.snapshotInterval(null)).isEqualTo(RaftClusterStore.DEFAULT_SNAPSHOT_THRESHOLD).isEqualTo(10_000);
        assertThat(ManagerTuning.snapshotInterval(" ")).isEqualTo(10_000);
        assertThat(ManagerTuning.snapshotInterval("200")).isEqualTo(200);
    }

    @Test
    void aBadSnapshotIntervalIsRefusedByName() {
        assertThatThrownBy(() -> ManagerTuning.snapshotInterval("often")).hasMessageContaining("flotilla.raft.snapshot-interval")
                .hasMessageContaining("'often'");
        assertThatThrownBy(() -> ManagerTuning.snapshotInterval("9")).hasMessageContaining("10 to 10000000");
        assertThatThrownBy(() -> ManagerTuning.snapshotInterval("10000001")).hasMessageContaining("10 to 10000000");
    }
}
