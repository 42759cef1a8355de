package io.flotilla.manager.loops;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The scheduler's pending messages, as they read today, sorted into the metric's few reasons. */
class PendingTasksTest {
    @Test
    void eachKindOfPendingMessageHasItsReason() {
        assertThat(PendingTasks.reason(null)).isEqualTo("none");
        assertThat(PendingTasks.reason("no suitable node (insufficient memory on 1 node)")).isEqualTo("no_suitable_node");
        assertThat(PendingTasks.reason("waiting 2s before restart (backoff)")).isEqualTo("backoff");
        assertThat(PendingTasks.reason("waiting for dependency db (no healthy task yet)")).isEqualTo("dependency");
        assertThat(PendingTasks.reason("waiting for node n1, which holds volume data: down")).isEqualTo("volume");
        assertThat(PendingTasks.reason("network front does not exist")).isEqualTo("network");
        assertThat(PendingTasks.reason("waiting for web.1 (task t1) on node n2")).isEqualTo("other");
        assertThat(PendingTasks.REASONS).contains("none", "no_suitable_node", "backoff", "dependency", "volume",
                "network", "other");
    }
}
