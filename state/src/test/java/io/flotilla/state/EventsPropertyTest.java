package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * For random command sequences (those of {@link ChangesPropertyTest}, with leader changes and
 * audits among them): the events the state keeps are exactly the last ones an uninterrupted reader
 * saw, in log order with contiguous sequence numbers; a reader that stops anywhere and resumes from
 * its last position — on another replica, one restored from a JSON snapshot midway — reads the rest
 * with no gap and no repeat, or is told that events were dropped; the retained count never exceeds
 * the bound. (Every capacity here holds the events of any one entry of these sequences, as the
 * real one, {@link EventLog#RETAINED}, holds the most one entry derives.)
 */
class EventsPropertyTest {

    @Property(tries = 200, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void resumingAnywhereReadsWhatAnUninterruptedReaderRead(@ForAll("sequences") List<Command> commands,
                                                           @ForAll @IntRange(min = 10, max = 30) int capacity,
                                                           @ForAll @IntRange(min = 0, max = 100) int stopPercent,
                                                           @ForAll @IntRange(min = 0, max = 100) int snapshotPercent) {
        List<Command> log = new ArrayList<>(ChangesPropertyTest.prelude());
        log.addAll(commands);
        int snapshotAt = log.size() * snapshotPercent / 100;
        int stopAt = log.size() * stopPercent / 100;

        ClusterState replica = ClusterState.EMPTY.withEvents(EventLog.withCapacity(capacity));
        ClusterState restored = replica;
        List<ClusterEvent> uninterrupted = new ArrayList<>();
        List<ClusterEvent> resumed = new ArrayList<>();
        long cursorIndex = -1;
        int cursorSeq = Integer.MAX_VALUE;
        for (int i = 0; i < log.size(); i++) {
            long index = i + 1;
            ClusterState before = replica;
            replica = StateMachine.apply(replica, index, log.get(i));
            // The uninterrupted reader reads after every entry from where it was.
            List<ClusterEvent> fresh = replica.events().after(lastIndex(uninterrupted), lastSeq(uninterrupted));
            assertThat(before.events().truncatedAfter(lastIndex(uninterrupted), lastSeq(uninterrupted))).isFalse();
            fresh.forEach(event -> assertThat(event.index()).as("an entry's events carry its index").isEqualTo(index));
            for (int seq = 0; seq < fresh.size(); seq++) {
                assertThat(fresh.get(seq).seq()).as("sequence numbers within an entry are contiguous").isEqualTo(seq);
            }
            uninterrupted.addAll(fresh);
            assertThat(replica.events().size()).as("the retention bound").isLessThanOrEqualTo(capacity);

            // The second replica goes through a JSON snapshot at one point, as a restarted manager does.
            restored = i == snapshotAt ? roundTrip(restored, capacity) : restored;
            restored = StateMachine.apply(restored, index, log.get(i));
            // The interrupted reader read the first replica until stopAt, then resumes on the restored one.
            if (i < stopAt) {
                for (ClusterEvent event : replica.events().after(cursorIndex, cursorSeq == Integer.MAX_VALUE ? -1 : cursorSeq)) {
                    resumed.add(event);
                    cursorIndex = event.index();
                    cursorSeq = event.seq();
                }
            }
        }
        assertThat(restored.events().all()).as("a replica restored from a snapshot keeps the same history")
                .isEqualTo(replica.events().all());
        assertThat(replica.events().all()).as("the state keeps the last events read, in order")
                .isEqualTo(uninterrupted.subList(Math.max(0, uninterrupted.size() - capacity), uninterrupted.size()));

        int resumeSeq = cursorSeq == Integer.MAX_VALUE ? -1 : cursorSeq;
        List<ClusterEvent> rest = restored.events().after(cursorIndex, resumeSeq);
        List<ClusterEvent> expected = uninterrupted.subList(resumed.size(), uninterrupted.size());
        boolean truncated = restored.events().truncatedAfter(cursorIndex, resumeSeq);
        net.jqwik.api.statistics.Statistics.label("resume").collect(truncated ? "truncated" : "complete");
        net.jqwik.api.statistics.Statistics.label("dropped").collect(uninterrupted.size() > capacity);
        if (truncated) {
            assertThat(rest).as("after a truncation, what is left is the end of what was missed")
                    .isEqualTo(expected.subList(expected.size() - rest.size(), expected.size()));
            assertThat(rest.size()).isLessThan(expected.size());
        } else {
            resumed.addAll(rest);
            assertThat(resumed).as("no gap, no repeat").isEqualTo(uninterrupted);
        }
    }

    private static ClusterState roundTrip(ClusterState state, int capacity) {
        StateSnapshot read = Json.read(Json.writeBytes(StateSnapshot.of(state)), StateSnapshot.class);
        ClusterState loaded = read.toState();
        // A snapshot keeps the events, not the test's small capacity: put it back for the comparison.
        return loaded.withEvents(EventLog.of(loaded.events().saved(), capacity));
    }

    private static long lastIndex(List<ClusterEvent> events) {
        return events.isEmpty() ? -1 : events.getLast().index();
    }

    private static int lastSeq(List<ClusterEvent> events) {
        return events.isEmpty() ? -1 : events.getLast().seq();
    }

    @Provide
    Arbitrary<List<Command>> sequences() {
        Arbitrary<Command> extra = Arbitraries.oneOf(
                Arbitraries.longs().between(1, 5).map(term -> new Command.LeaderChanged("n" + term, term, T0.plusSeconds(term))),
                Arbitraries.of("scale", "drain").map(action -> new Command.RecordAudit("dashboard:s1", action, "shop_s1", null, T0)));
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, new ChangesPropertyTest().sequences()),
                net.jqwik.api.Tuple.of(1, extra.list().ofMaxSize(3)))
                .list().ofMinSize(1).ofMaxSize(6).map(lists -> lists.stream().flatMap(List::stream).toList());
    }
}
