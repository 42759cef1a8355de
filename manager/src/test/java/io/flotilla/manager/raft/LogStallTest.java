package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LogStallTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long LIMIT = LogStall.LIMIT.toNanos();

    @Test
    void entriesThatReachNoDiskForTheLimitMakeAFailedLog() {
        LogStall stall = new LogStall();
        assertThat(stall.check(120, 100, 0)).isNull();
        assertThat(stall.check(130, 100, LIMIT - 1)).as("not yet").isNull();
        assertThat(stall.check(130, 100, LIMIT)).contains("written nothing for 5 s")
                .contains("entries up to index 130 wait, on disk up to 100").contains("start the node again");
    }

    @Test
    void aLogThatWritesOrHasNothingToWriteIsHealthy() {
        LogStall stall = new LogStall();
        for (long t = 0, flushed = 100; t < 60; t++, flushed++) { // always behind, but moving
            assertThat(stall.check(flushed + 5, flushed, t * SECOND)).isNull();
        }
        LogStall idle = new LogStall();
        for (long t = 0; t < 60; t++) { // nothing appended: nothing to flush
            assertThat(idle.check(100, 100, t * SECOND)).isNull();
        }
    }

    @Test
    void theWaitStartsWhenTheDiskLastMovedOrTheLogWasLastCaughtUp() {
        LogStall stall = new LogStall();
        assertThat(stall.check(100, 100, 0)).isNull();
        assertThat(stall.check(110, 100, 20 * SECOND)).as("first seen behind now").isNull();
        assertThat(stall.check(110, 100, 20 * SECOND + LIMIT - 1)).isNull();
        assertThat(stall.check(110, 105, 25 * SECOND)).as("it moved").isNull();
        assertThat(stall.check(110, 105, 25 * SECOND + LIMIT - 1)).isNull();
        assertThat(stall.check(110, 105, 25 * SECOND + LIMIT)).isNotNull();
    }
}
