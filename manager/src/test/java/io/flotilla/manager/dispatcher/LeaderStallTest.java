package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A leader that stood still does not count its own stall against the nodes: the chaos run saw a
 * leader wake from a 1.3 s stall and judge three live nodes down, on heartbeats that waited unread
 * in its sockets meanwhile. Fencing deadlines still count in real time.
 */
class LeaderStallTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    private static final Duration TIMEOUT = Duration.ofMillis(1500);

    private static ClusterState oneNode() {
        ClusterState state = StateMachine.apply(ClusterState.EMPTY, 1, new Command.UpsertNode(TestManagers.node("a")));
        return StateMachine.apply(state, 2, new Command.SetNodeStates(List.of(
                new Command.NodeStateChange("a", NodeState.READY, "up")), T0));
    }

    /** The monotonic clock of these tests: T0 is 1 s on it, and it reads {@link #monotonicNow}. */
    private Instant monotonicNow = T0;

    private static long nanos(Instant at) {
        return Duration.between(T0, at).toNanos() + 1_000_000_000L;
    }

    private Heartbeats heartbeats() {
        Heartbeats heartbeats = new Heartbeats(T0.minusSeconds(10));
        heartbeats.ticker(() -> nanos(monotonicNow));
        return heartbeats;
    }

    /** The watch marks every period from {@code from} to {@code to}, both included. */
    private void marks(Heartbeats heartbeats, Instant from, Instant to) {
        for (Instant at = from; !at.isAfter(to); at = at.plus(Heartbeats.WATCH_PERIOD)) {
            assertThat(mark(heartbeats, at)).as("a mark every period is no stall").isZero();
        }
    }

    private Duration mark(Heartbeats heartbeats, Instant at) {
        monotonicNow = at;
        return heartbeats.running(at, nanos(at));
    }

    @Test
    void aStallTheWatchSawIsNotCountedInANodesSilence() {
        Heartbeats heartbeats = heartbeats();
        heartbeats.record("a", T0);
        marks(heartbeats, T0, T0.plusMillis(500));

        Duration stalled = mark(heartbeats, T0.plusMillis(1800)); // the process stood still after its mark at 500 ms
        Instant now = T0.plusMillis(1900);
        monotonicNow = now;

        assertThat(stalled).isEqualTo(Duration.ofMillis(1250));
        assertThat(heartbeats.silence("a", now)).isEqualTo(Duration.ofMillis(650));
        assertThat(NodeLiveness.verdicts(oneNode(), heartbeats, now, TIMEOUT)).as("1.9 s since its heartbeat, 1.25 s of it stalled")
                .isEmpty();
        assertThat(NodeLiveness.fenceDeadline(heartbeats, "a", Duration.ofSeconds(5)))
                .as("fencing counts in real time").isEqualTo(T0.plusSeconds(5).plus(io.flotilla.scheduler.Fencing.MARGIN));
    }

    @Test
    void aStallTheWatchHasNotWokenToMarkYetIsNotCountedEither() {
        Heartbeats heartbeats = heartbeats();
        heartbeats.record("a", T0);
        marks(heartbeats, T0, T0.plusMillis(500));

        // The leader loop runs before the watch's thread, right after the stall: no mark since 500 ms.
        Instant now = T0.plusMillis(1800);
        monotonicNow = now;

        assertThat(heartbeats.silence("a", now)).isEqualTo(Duration.ofMillis(550));
        assertThat(NodeLiveness.verdicts(oneNode(), heartbeats, now, TIMEOUT)).isEmpty();
    }

    @Test
    void aNodeSilentLongerThanTheTimeoutBesidesTheStallIsStillJudgedDown() {
        Heartbeats heartbeats = heartbeats();
        heartbeats.record("a", T0);
        marks(heartbeats, T0, T0.plusMillis(500));
        mark(heartbeats, T0.plusMillis(1800));
        marks(heartbeats, T0.plusMillis(1850), T0.plusMillis(3300));

        List<Command> verdicts = NodeLiveness.verdicts(oneNode(), heartbeats, T0.plusMillis(3300), TIMEOUT);

        assertThat(verdicts).singleElement().isInstanceOfSatisfying(Command.SetNodeStates.class, down ->
                assertThat(down.changes().getFirst().message())
                        .isEqualTo("no heartbeat for 2050 ms (not counting 1250 ms this leader stood still)"));
    }

    @Test
    void aBusyMachineDelayingTheWatchBelowTheStallIsNoStall() {
        Heartbeats heartbeats = heartbeats();
        heartbeats.record("a", T0);
        Instant at = T0;
        for (int i = 0; i < 8; i++) {
            at = at.plus(Heartbeats.STALL); // late every time, never more than the threshold
            assertThat(mark(heartbeats, at)).isZero();
        }

        assertThat(heartbeats.silence("a", at)).isEqualTo(Duration.between(T0, at));
        assertThat(NodeLiveness.verdicts(oneNode(), heartbeats, at, TIMEOUT)).hasSize(1);
    }

    @Test
    void withoutAWatchNothingIsExcused() {
        Heartbeats heartbeats = heartbeats();
        heartbeats.record("a", T0);
        monotonicNow = T0.plusSeconds(5);

        assertThat(heartbeats.silence("a", T0.plusSeconds(5))).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void theManagersClockMovingOnIsNoStallOnlyTheMonotonicClockSaysSo() {
        Heartbeats heartbeats = heartbeats();
        heartbeats.record("a", T0);
        marks(heartbeats, T0, T0.plusMillis(500));

        // A test's clock jumps 5 s while the process ran on: the watch's marks stay 50 ms apart.
        assertThat(heartbeats.running(T0.plusSeconds(5), nanos(T0.plusMillis(550)))).isZero();
        monotonicNow = T0.plusMillis(560);

        assertThat(heartbeats.silence("a", T0.plusSeconds(5))).isEqualTo(Duration.ofSeconds(5));
        assertThat(NodeLiveness.verdicts(oneNode(), heartbeats, T0.plusSeconds(5), TIMEOUT)).hasSize(1);
    }

    @Test
    void aStallBeforeANewLeadershipIsForgotten() {
        Heartbeats heartbeats = new Heartbeats(T0.minusSeconds(10));
        heartbeats.excuse(T0, T0.plusSeconds(1));
        heartbeats.reset(T0.plusSeconds(2));

        assertThat(heartbeats.stalled(T0.minusSeconds(1), T0.plusSeconds(3))).isZero();
    }
}
