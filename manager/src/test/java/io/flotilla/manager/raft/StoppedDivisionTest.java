package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StoppedDivisionTest {
    private static final long LIMIT = StoppedDivision.LIMIT.toNanos();

    @Test
    void aRunningPeerIsNoFailure() {
        StoppedDivision stopped = new StoppedDivision();
        assertThat(stopped.check(true, 0)).isNull();
        assertThat(stopped.check(true, 10 * LIMIT)).isNull();
    }

    @Test
    void aPeerClosedForTheWholeLimitIsAFailure() {
        StoppedDivision stopped = new StoppedDivision();
        assertThat(stopped.check(false, 5)).isNull(); // a removed manager's node turns it into a worker meanwhile
        assertThat(stopped.check(false, 5 + LIMIT - 1)).isNull();
        assertThat(stopped.check(false, 5 + LIMIT)).contains("closed by Ratis").contains("start the node again");
    }

    @Test
    void aPeerRunningAgainStartsTheCountAfresh() {
        StoppedDivision stopped = new StoppedDivision();
        stopped.check(false, 0);
        stopped.check(true, LIMIT / 2);
        assertThat(stopped.check(false, LIMIT)).isNull();
        assertThat(stopped.check(false, 2 * LIMIT - 1)).isNull();
        assertThat(stopped.check(false, 2 * LIMIT)).isNotNull();
    }
}
