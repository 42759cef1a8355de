package io.flotilla.node.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A manager's mesh serves its first table once the manager has caught up with a leader, or after the wait. */
class NodeMeshCatchUpTest {
    @Test
    void theFirstTableWaitsForACurrentSourceAtMostTheCatchUpWait() {
        long wait = NodeMesh.CATCH_UP_WAIT.toNanos();
        assertThat(NodeMesh.serveFirstTable(true, 0)).isTrue();
        assertThat(NodeMesh.serveFirstTable(false, 0)).isFalse();
        assertThat(NodeMesh.serveFirstTable(false, wait - 1)).isFalse();
        assertThat(NodeMesh.serveFirstTable(false, wait)).isTrue();
    }
}
