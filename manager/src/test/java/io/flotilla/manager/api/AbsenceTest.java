package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeStore;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** Only the leader says a stack does not exist; a manager that does not lead may be behind the log (503). */
class StackAbsenceTest {
    @Test
    void theLeaderAnswers404AndAManagerThatDoesNotLead503() {
        assertThat(StackAbsence.notFound(FakeStore.applying(ClusterState.EMPTY), "shop").status()).isEqualTo(404);
        ClusterStore follower = new ClusterStore() {
            @Override
            public ClusterState state() {
                return ClusterState.EMPTY;
            }

            @Override
            public ClusterState awaitIndex(long after, Duration max) {
                return ClusterState.EMPTY;
            }

            @Override
            public CompletableFuture<ClusterState> submit(Command command) {
                return CompletableFuture.failedFuture(new IllegalStateException("not in this test"));
            }

            @Override
            public boolean isLeader() {
                return false;
            }

            @Override
            public long term() {
                return 2;
            }
        };
        assertThat(StackAbsence.notFound(follower, "shop")).satisfies(e -> {
            assertThat(e.status()).isEqualTo(503);
            assertThat(e.getMessage()).contains("knows no stack shop").contains("does not lead");
        });
    }
}
