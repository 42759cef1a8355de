package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** How long a request waits for a newer table, given what its node says of its own lag. */
class RouteRefreshTest {
    private static final long START = 1_000_000_000L;
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

    @Test
    void aNodeThatCannotTellWaitsTheUsualTime() {
        assertThat(RouteRefresh.deadline(START, RouteRefresh.FAILED)).isEqualTo(START + RouteRefresh.WAIT_NANOS);
    }

    @Test
    void aNodeStillCatchingUpHoldsTheRequestUpToTheLongestWait() {
        assertThat(RouteRefresh.deadline(START, RouteRefresh.PENDING)).isEqualTo(START + RouteRefresh.MAX_WAIT_NANOS);
    }

    @Test
    void aNodeThatWasCurrentWaitsTheUsualTime() {
        assertThat(RouteRefresh.deadline(START, START + 30 * MS)).isEqualTo(START + RouteRefresh.WAIT_NANOS);
    }

    @Test
    void aNodeThatCaughtUpLateGivesItsTableTimeToSettle() {
        long caughtUp = START + 2_500 * MS;
        assertThat(RouteRefresh.deadline(START, caughtUp)).isEqualTo(caughtUp + RouteRefresh.SETTLE_NANOS);
    }

    @Test
    void neverPastTheLongestWait() {
        assertThat(RouteRefresh.deadline(START, START + RouteRefresh.MAX_WAIT_NANOS - MS))
                .isEqualTo(START + RouteRefresh.MAX_WAIT_NANOS);
    }

    @Test
    void theClockMayBeNegative() {
        long start = -5_000 * MS;
        assertThat(RouteRefresh.deadline(start, start + 2_900 * MS)).isEqualTo(start + 2_900 * MS + RouteRefresh.SETTLE_NANOS);
    }
}
