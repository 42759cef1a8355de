package io.flotilla.node.mesh;

import static io.flotilla.node.mesh.RouteSourceChoice.CATCH_UP_WAIT;
import static io.flotilla.node.mesh.RouteSourceChoice.Choice.LEADER;
import static io.flotilla.node.mesh.RouteSourceChoice.Choice.OWN;
import static io.flotilla.node.mesh.RouteSourceChoice.Choice.WAIT;
import static io.flotilla.node.mesh.RouteSourceChoice.LAG_NANOS;
import static io.flotilla.node.mesh.RouteSourceChoice.STREAM_WAIT;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Which state a manager's mesh routes from: its own, or its leader's as streamed, by how far its own lags. */
class RouteSourceChoiceTest {
    private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
    private final RouteSourceChoice choice = new RouteSourceChoice();
    /** A fake clock: the feeder's rounds are 50 ms apart. */
    private long now = 1_000 * MS;
    private final long started = now;

    private RouteSourceChoice.Choice round(long own, boolean caughtUp, long stream) {
        RouteSourceChoice.Choice result = choice.choose(true, own, caughtUp, false, stream, now, now - started);
        now += 50 * MS;
        return result;
    }

    @Test
    void aWorkerAlwaysRoutesFromTheStreamEvenBeforeItReportedAnything() {
        assertThat(choice.choose(false, -1, false, false, -1, now, 0)).isEqualTo(LEADER);
        assertThat(choice.choose(false, -1, false, false, 40, now, 0)).isEqualTo(LEADER);
    }

    @Test
    void aManagerBehindTheStreamAtItsFirstTableRoutesFromTheLeaderUntilItHoldsEveryReportedIndex() {
        assertThat(round(100, true, -1)).isEqualTo(WAIT); // caught up by Raft's measure, but no stream yet
        assertThat(round(100, true, 250)).isEqualTo(LEADER); // the stream shows the own state 150 entries behind
        assertThat(round(200, true, 260)).isEqualTo(LEADER);
        assertThat(round(259, true, 260)).isEqualTo(LEADER);
        assertThat(round(260, true, 260)).isEqualTo(OWN); // it holds everything reported: back at once
    }

    @Test
    void aLeaderServesItsOwnStateAtOnceAndKeepsIt() {
        assertThat(choice.choose(true, 7, true, true, -1, now, 0)).isEqualTo(OWN);
        assertThat(choice.choose(true, 9, true, true, 8, now + LAG_NANOS, LAG_NANOS)).isEqualTo(OWN);
    }

    @Test
    void aManagerAsCurrentAsTheStreamRoutesFromItsOwnStateFromTheStart() {
        assertThat(round(300, true, 290)).isEqualTo(OWN);
    }

    @Test
    void theFirstTableWaitsForTheStreamOrTheManagerAtMostTheCatchUpWait() {
        assertThat(round(10, false, -1)).isEqualTo(WAIT);
        now = started + STREAM_WAIT;
        assertThat(round(10, false, -1)).isEqualTo(WAIT); // not caught up: waits on
        assertThat(round(10, true, -1)).isEqualTo(OWN); // caught up, and the stream did not come within STREAM_WAIT
        RouteSourceChoice other = new RouteSourceChoice();
        assertThat(other.choose(true, 10, false, false, -1, started + CATCH_UP_WAIT - 1, CATCH_UP_WAIT - 1)).isEqualTo(WAIT);
        assertThat(other.choose(true, 10, false, false, -1, started + CATCH_UP_WAIT, CATCH_UP_WAIT)).isEqualTo(OWN);
    }

    @Test
    void aFollowersUsualLagNeverSwitches() {
        assertThat(round(100, true, 100)).isEqualTo(OWN);
        long own = 100;
        long stream = 100;
        for (int i = 0; i < 400; i++) { // 20 s of steady writes: the stream a few entries ahead, the own state a round behind
            stream += 5;
            assertThat(round(own, true, stream)).isEqualTo(OWN);
            own = stream - 2;
        }
        assertThat(choice.lagNanos(now)).isLessThan(LAG_NANOS);
    }

    @Test
    void aManagerWhoseStateStopsSwitchesAfterTheLagAndBackOnceItCaughtUp() {
        assertThat(round(500, true, 500)).isEqualTo(OWN);
        long stuck = 520; // replication stuck here (the chaos run's restarted manager)
        long stream = 520;
        long firstLacking = now;
        while (now - firstLacking < LAG_NANOS) {
            stream += 3;
            assertThat(round(stuck, true, stream)).as("lag %d ms", (now - firstLacking) / MS).isEqualTo(OWN);
        }
        stream += 3;
        assertThat(round(stuck, true, stream)).isEqualTo(LEADER); // lacked index 523 for a second
        assertThat(round(stream - 1, true, stream)).isEqualTo(LEADER); // not all of it yet
        assertThat(round(stream, true, stream + 4)).isEqualTo(LEADER); // the stream moved on meanwhile
        assertThat(round(stream + 4, true, stream + 4)).isEqualTo(OWN);
    }

    @Test
    void aStreamThatReportsNoMoreLeavesTheManagerOnItsOwnState() {
        assertThat(round(500, true, 500)).isEqualTo(OWN);
        for (int i = 0; i < 100; i++) { // a partition: neither moves
            assertThat(round(500, true, 500)).isEqualTo(OWN);
        }
        assertThat(choice.lagNanos(now)).isZero();
    }

    @Test
    void aLongLagIsMeasuredFromTheFirstReportTheOwnStateLacksHoweverManyReportsCame() {
        assertThat(round(0, true, 0)).isEqualTo(OWN);
        long firstLacking = now;
        for (long stream = 1; stream <= 5_000; stream++) { // more reports than samples kept
            round(0, true, stream);
        }
        assertThat(choice.lagNanos(now)).isEqualTo(now - firstLacking);
        assertThat(round(4_999, true, 5_000)).isEqualTo(LEADER); // the newest report is still lacking
        assertThat(round(5_000, true, 5_000)).isEqualTo(OWN);
    }

    @Test
    void aDemotedManagerRoutesFromTheStreamAndAPromotedOneByTheLagRule() {
        assertThat(round(100, true, 100)).isEqualTo(OWN);
        assertThat(choice.choose(false, -1, false, false, 120, now, now - started)).isEqualTo(LEADER);
        assertThat(round(150, true, 150)).isEqualTo(OWN); // promoted again, holding everything reported
    }
}
