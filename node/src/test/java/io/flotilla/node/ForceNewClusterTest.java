package io.flotilla.node;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.NodeRole;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code init --force-new-cluster} refuses a data dir that holds no manager's log, and changes nothing there. */
class ForceNewClusterTest {
    @TempDir Path data;

    @Test
    void aWorkersDataDirIsRefused() throws Exception {
        NodeConfig worker = new NodeConfig("w1", "c1", NodeRole.WORKER, "127.0.14.9", List.of(), false);
        worker.save(data);

        assertThatThrownBy(() -> ForceNewCluster.prepare(data, worker)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a worker's");
        assertThat(NodeConfig.load(data)).contains(worker);
        assertThat(data.resolve("manager")).doesNotExist();
    }

    @Test
    void aManagerWithoutARaftLogIsRefused() throws Exception {
        NodeConfig manager = new NodeConfig("m1", "c1", NodeRole.MANAGER, "127.0.14.9", List.of(), false);
        manager.save(data);

        assertThatThrownBy(() -> ForceNewCluster.prepare(data, manager)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("without a Raft log");
        assertThat(NodeConfig.load(data)).contains(manager);
        try (var entries = Files.list(data)) {
            assertThat(entries.map(p -> p.getFileName().toString())).containsExactly(NodeConfig.FILE);
        }
    }
}
