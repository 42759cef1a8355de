package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.bench.ChaosNemesis.Kind;
import io.flotilla.bench.ChaosNemesis.Span;
import io.flotilla.model.ClusterEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Which node.down events a chaos run's kills explain, and which are wrong judgements. */
class ChaosDownsTest {
    private static final Instant T = Instant.parse("2026-12-06T05:00:00Z");
    private static final Map<String, String> ADDRESS = Map.of("w1", "127.0.15.4", "w2", "127.0.15.5", "m1", "127.0.15.1");

    private static ClusterEvent down(String node, Instant at) {
        return new ClusterEvent(10, 0, at, "node.down", null, null, node, null, "node " + node + " is down", Map.of());
    }

    @Test
    void aDownDuringOrSoonAfterAKillOfThatNodeIsExplained() {
        List<Span> spans = List.of(new Span(Kind.KILL_WORKER, "127.0.15.4", T, T.plusSeconds(3)),
                new Span(Kind.KILL_LEADER, "127.0.15.1", T.plusSeconds(20), T.plusSeconds(25)));
        assertThat(ChaosDowns.judge(List.of(down("w1", T.plusMillis(1600)), down("w1", T.plusSeconds(7)),
                down("m1", T.plusSeconds(22))), ADDRESS, spans)).isEmpty();
    }

    @Test
    void aDownDuringAPauseAnotherNodesKillOrNothingIsWrong() {
        List<Span> spans = List.of(new Span(Kind.PAUSE_WORKER, "127.0.15.5", T, T.plusMillis(900)),
                new Span(Kind.KILL_WORKER, "127.0.15.4", T.plusSeconds(10), T.plusSeconds(12)));
        ClusterEvent paused = down("w2", T.plusMillis(800));
        ClusterEvent otherKilled = down("w2", T.plusSeconds(11));
        ClusterEvent beforeTheKill = down("w1", T.plusSeconds(9));
        ClusterEvent longAfter = down("w1", T.plusSeconds(12).plus(ChaosDowns.GRACE).plusMillis(1));
        ClusterEvent unknownNode = down("x", T.plusSeconds(11));
        assertThat(ChaosDowns.judge(List.of(paused, otherKilled, beforeTheKill, longAfter, unknownNode), ADDRESS, spans))
                .extracting(ChaosDowns.Wrong::event).containsExactly(paused, otherKilled, beforeTheKill, longAfter, unknownNode);
    }

    @Test
    void aPartitionExplainsADownOfTheNodeItCutOffAndOfNoOther() {
        List<Span> spans = List.of(new Span(Kind.PARTITION_WORKER, "127.0.15.5", T, T.plusSeconds(4)),
                new Span(Kind.PARTITION_LEADER, "127.0.15.1", T.plusSeconds(30), T.plusSeconds(33)));
        ClusterEvent cutOff = down("w2", T.plusSeconds(2));
        ClusterEvent leaderCutOff = down("m1", T.plusSeconds(32));
        ClusterEvent bystander = down("w1", T.plusSeconds(2));
        assertThat(ChaosDowns.judge(List.of(cutOff, leaderCutOff, bystander), ADDRESS, spans))
                .extracting(ChaosDowns.Wrong::event).containsExactly(bystander);
    }

    @Test
    void aStallOfTheWholeMachineExplainsADownDuringItOrSoonAfter() {
        List<ChaosStalls.Stall> stalls = List.of(new ChaosStalls.Stall(T, T.plusSeconds(3)));
        ClusterEvent during = down("w1", T.plusSeconds(2));
        ClusterEvent soonAfter = down("w2", T.plusSeconds(3).plus(ChaosDowns.GRACE));
        ClusterEvent before = down("w1", T.minusMillis(1));
        ClusterEvent longAfter = down("w2", T.plusSeconds(3).plus(ChaosDowns.GRACE).plusMillis(1));
        assertThat(ChaosDowns.judge(List.of(during, soonAfter, before, longAfter), ADDRESS, List.of(), stalls))
                .extracting(ChaosDowns.Wrong::event).containsExactly(before, longAfter);
    }

    @Test
    void aFullDiskExplainsNoDown() {
        List<Span> spans = List.of(new Span(Kind.FILL_DISK_LEADER, "127.0.15.1", T, T.plusSeconds(4)));
        ClusterEvent duringTheFill = down("m1", T.plusSeconds(2));
        assertThat(ChaosDowns.judge(List.of(duringTheFill), ADDRESS, spans)).extracting(ChaosDowns.Wrong::event)
                .containsExactly(duringTheFill);
    }
}
