package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.bench.ChaosHttp.Failure;
import io.flotilla.bench.ChaosNemesis.Kind;
import io.flotilla.bench.ChaosNemesis.Span;
import io.flotilla.bench.ChaosPlacements.Placed;
import io.flotilla.bench.ChaosPlacements.Sample;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Which failed requests through the mesh the loss of every backend explains, and which it does not. */
class ChaosPlacementsTest {
    private static final Instant T = Instant.parse("2026-12-07T10:23:26Z");
    private static final String LEADER = "127.0.15.3";
    private static final String COMPANION = "127.0.15.2";
    private static final String ENTRY = "127.0.15.8";
    private static final String OTHER = "127.0.15.6";

    private static Failure failure(String entry, long fromMillis, long toMillis) {
        return new Failure(entry, T.plusMillis(fromMillis), T.plusMillis(toMillis), "HTTP 502");
    }

    /** A sample every 250 ms from {@code fromMillis} to {@code toMillis}, each with the same tasks. */
    private static List<Sample> samples(long fromMillis, long toMillis, Placed... tasks) {
        List<Sample> samples = new ArrayList<>();
        for (long t = fromMillis; t <= toMillis; t += 250) {
            samples.add(new Sample(T.plusMillis(t), Set.of(tasks)));
        }
        return samples;
    }

    private static List<Span> minorityPartition(long fromMillis, long toMillis) {
        return List.of(new Span(Kind.PARTITION_LEADER, LEADER, T.plusMillis(fromMillis), T.plusMillis(toMillis)),
                new Span(Kind.PARTITION_LEADER, COMPANION, T.plusMillis(fromMillis), T.plusMillis(toMillis)));
    }

    @Test
    void bothTasksOnTheTwoManagersAPartitionCutOffExcuseAFailureThroughAnEntryOnTheOtherSide() {
        // run E: the partition from 26.198 to 30.144, a 502 through 127.0.15.8 at 26.28
        List<Span> spans = minorityPartition(198, 4144);
        List<Sample> samples = samples(-5000, 6000, new Placed("a", LEADER), new Placed("b", COMPANION));
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 280, 2300), samples, spans)).isTrue();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 5000, 5010), samples, spans)).as("within a second of the heal").isTrue();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 5300, 5310), samples, spans)).as("past a second after the heal").isFalse();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, -900, -800), samples, spans)).as("before the partition").isFalse();
        assertThat(ChaosPlacements.allCutOff(failure(COMPANION, 280, 300), samples, spans)).as("an entry on the tasks' side").isFalse();
        assertThat(ChaosPlacements.allCutOff(failure(LEADER, 280, 300), samples, spans)).as("an entry with the tasks").isFalse();
        List<Sample> onTheLeader = samples(-5000, 6000, new Placed("a", LEADER), new Placed("b", LEADER));
        assertThat(ChaosPlacements.allCutOff(failure(COMPANION, 280, 300), onTheLeader, spans)).as("cut off together").isFalse();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 280, 300), onTheLeader, spans)).isTrue();
    }

    @Test
    void oneTaskTheEntryReachesIsNoExcuseNorIsAnyTaskSeenInTheLookBack() {
        List<Span> spans = minorityPartition(0, 3000);
        List<Sample> spread = samples(-5000, 6000, new Placed("a", LEADER), new Placed("b", OTHER));
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 500, 600), spread, spans)).isFalse();
        // the second task moved onto the partitioned side 600 ms before the request: a sample within the look-back still had it elsewhere
        List<Sample> moved = new ArrayList<>(samples(-5000, -600, new Placed("a", LEADER), new Placed("b", OTHER)));
        moved.addAll(samples(-350, 6000, new Placed("a", LEADER), new Placed("c", COMPANION)));
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 0, 100), moved, spans)).isFalse();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 1500, 1600), moved, spans)).isTrue();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 500, 600), List.of(), spans)).as("no sample: no excuse").isFalse();
    }

    @Test
    void aHostKillCutsOffTheTasksItKilledNotThoseStartedAfterItNorAnAgentKillAPauseOrAFullDisk() {
        List<Span> kill = List.of(new Span(Kind.KILL_WORKER, OTHER, T, T.plusSeconds(2)));
        List<Sample> before = samples(-3000, 3000, new Placed("a", OTHER), new Placed("b", OTHER));
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 100, 200), before, kill)).isTrue();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 2800, 2900), before, kill)).as("still listed, still dead").isTrue();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, -500, -400), before, kill)).as("before the kill").isFalse();
        List<Sample> replaced = new ArrayList<>(before);
        replaced.addAll(samples(3250, 6000, new Placed("a", OTHER), new Placed("c", OTHER)));
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 4500, 4600), replaced, kill)).as("a task started after the kill").isFalse();
        for (Kind kind : List.of(Kind.KILL_AGENT, Kind.PAUSE_WORKER, Kind.FILL_DISK_MANAGER, Kind.EXITED)) {
            assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 100, 200), before, List.of(new Span(kind, OTHER, T, T.plusSeconds(2)))))
                    .as(kind.toString()).isFalse();
        }
    }

    @Test
    void aTaskMarkedToStopBeforeTheRequestIsNoBackendForItButOneMarkedDuringItIs() {
        // run I: a 502 through 127.0.15.8 at 11.39; the rolling update's new task on the partitioned
        // pair, the old one on a reachable node marked to stop at 10.54 and draining until 11.59
        List<Span> spans = minorityPartition(1030, 7130);
        List<Sample> samples = new ArrayList<>();
        Placed fresh = new Placed("new", LEADER);
        Placed second = new Placed("b", COMPANION);
        Placed old = new Placed("old", OTHER);
        for (long t = -2000; t <= 6000; t += 250) {
            boolean draining = t >= 750 && t <= 1500;
            Set<Placed> tasks = t <= 1500 ? Set.of(fresh, second, old) : Set.of(fresh, second);
            samples.add(new Sample(T.plusMillis(t), tasks, draining ? Set.of("old") : Set.of()));
        }
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 1390, 5440), samples, spans)).isTrue();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 1100, 1200), samples, spans))
                .as("marked to stop 350 ms before the request").isTrue();
        assertThat(ChaosPlacements.allCutOff(failure(ENTRY, 500, 600), samples, List.of(
                new Span(Kind.PARTITION_LEADER, LEADER, T, T.plusSeconds(7)), new Span(Kind.PARTITION_LEADER, COMPANION, T, T.plusSeconds(7)))))
                .as("still wanted when the request came").isFalse();
    }

    @Test
    void theLastSampleAtATimeNamesTheTasksThen() {
        List<Sample> samples = List.of(new Sample(T, Set.of(new Placed("a", OTHER))), new Sample(T.plusSeconds(1), Set.of()));
        assertThat(ChaosPlacements.at(samples, T.plusMillis(500))).containsExactly(new Placed("a", OTHER));
        assertThat(ChaosPlacements.at(samples, T.minusMillis(1))).isEmpty();
    }
}
