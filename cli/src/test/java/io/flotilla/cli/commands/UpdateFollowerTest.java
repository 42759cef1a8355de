package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.api.Progress.ServiceProgress;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The lines {@code service update/rollback/rebalance} print, from the answers of {@code GET /v1/progress}. */
class UpdateFollowerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    private static ServiceProgress service(ServiceMode mode, int desired, int updated, int wanted,
                                           ServiceUpdateStatus status, Map<String, Integer> perNode) {
        return new ServiceProgress("svc", "shop_web", "shop", mode, 3, desired, 0, 0, 0, updated, wanted, status, null,
                perNode, null, null);
    }

    @Test
    void printsTheVersionThePhaseAndTheTasksOnTheNewSpec() {
        assertThat(UpdateFollower.progress(service(ServiceMode.REPLICATED, 4, 1, 5, ServiceUpdateStatus.updating(T0), Map.of())))
                .isEqualTo("version 3 updating: 1/4 tasks running the new spec");
        assertThat(UpdateFollower.progress(service(ServiceMode.REPLICATED, 4, 4, 4, null, Map.of())))
                .isEqualTo("version 3 completed: 4/4 tasks running the new spec");
        assertThat(UpdateFollower.progress(service(ServiceMode.REPLICATED, 2, 0, 2,
                ServiceUpdateStatus.rollbackStarted(T0, "rollback"), Map.of())))
                .isEqualTo("version 3 rollback_started: 0/2 tasks running the previous spec");
        // A global service's target is its tasks wanted running.
        assertThat(UpdateFollower.progress(service(ServiceMode.GLOBAL, 2, 1, 3, ServiceUpdateStatus.updating(T0), Map.of())))
                .isEqualTo("version 3 updating: 1/3 tasks running the new spec");
    }

    @Test
    void printsTheTasksRunningPerNodeByNode() {
        assertThat(UpdateFollower.placement(service(ServiceMode.REPLICATED, 3, 0, 3, null, Map.of("n2", 1, "n1", 2))))
                .isEqualTo("running per node: {n1=2, n2=1}");
    }
}
