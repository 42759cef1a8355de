package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.bench.ChaosHttp.Failure;
import io.flotilla.bench.ChaosNemesis.Kind;
import io.flotilla.bench.ChaosNemesis.Span;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which failed requests through the mesh a fault on their entry node explains. */
class ChaosHttpTest {
    private static final Instant T = Instant.parse("2026-12-06T13:00:00Z");
    private static final String W = "127.0.15.6";

    private static Failure failure(String entry, long fromMillis, long toMillis) {
        return new Failure(entry, T.plusMillis(fromMillis), T.plusMillis(toMillis), "ConnectException");
    }

    @Test
    void aKilledEntryExcusesItsFailuresUntilItServesAgain() {
        List<Span> spans = List.of(new Span(Kind.KILL_WORKER, W, T, T.plusSeconds(3)));
        List<Instant> served = List.of(T.minusSeconds(1), T.plusSeconds(9));
        assertThat(ChaosHttp.judge(failure(W, -10, 5), spans, served)).as("in flight at the kill").isTrue();
        assertThat(ChaosHttp.judge(failure(W, 8000, 8010), spans, served)).as("restarted, not serving yet").isTrue();
        assertThat(ChaosHttp.judge(failure(W, 9500, 9510), spans, served)).as("after it served again").isFalse();
        assertThat(ChaosHttp.judge(failure(W, -2000, -1990), spans, served)).as("before the kill").isFalse();
        assertThat(ChaosHttp.judge(failure("127.0.15.7", 1000, 1010), spans, served)).as("another entry").isFalse();
    }

    @Test
    void aPartitionExcusesItsEntryUntilASecondAfterTheHealAndAPauseOrAFullDiskNothing() {
        List<Span> spans = List.of(new Span(Kind.PARTITION_WORKER, W, T, T.plusSeconds(2)),
                new Span(Kind.PAUSE_MANAGER, "127.0.15.1", T, T.plusSeconds(1)),
                new Span(Kind.FILL_DISK_MANAGER, "127.0.15.2", T, T.plusSeconds(3)));
        List<Instant> servedAtOnce = List.of(T.minusSeconds(1), T.plusMillis(2100));
        assertThat(ChaosHttp.judge(failure(W, 500, 5500), spans, servedAtOnce)).isTrue();
        assertThat(ChaosHttp.judge(failure(W, 2900, 2950), spans, servedAtOnce)).as("within a second of the heal").isTrue();
        assertThat(ChaosHttp.judge(failure(W, 3100, 3150), spans, servedAtOnce)).as("served again, and past the second").isFalse();
        // an entry catching up after the heal: excused until it serves again, at most 10 s after the heal
        List<Instant> servedLater = List.of(T.minusSeconds(1), T.plusMillis(4500), T.plusSeconds(20));
        assertThat(ChaosHttp.judge(failure(W, 4000, 4010), spans, servedLater)).as("not serving yet").isTrue();
        assertThat(ChaosHttp.judge(failure(W, 4600, 4610), spans, servedLater)).as("after it served again").isFalse();
        List<Instant> neverAgain = List.of(T.minusSeconds(1));
        assertThat(ChaosHttp.judge(failure(W, 11_900, 11_950), spans, neverAgain)).as("within 10 s of the heal").isTrue();
        assertThat(ChaosHttp.judge(failure(W, 12_100, 12_150), spans, neverAgain)).as("past 10 s of the heal").isFalse();
        assertThat(ChaosHttp.judge(failure("127.0.15.1", 500, 600), spans, List.of())).as("a paused entry only delays").isFalse();
        assertThat(ChaosHttp.judge(failure("127.0.15.2", 500, 600), spans, List.of())).as("a full disk is no excuse").isFalse();
    }

    @Test
    void theFirstSuccessAfterATimeIsFoundByBinarySearchAndFailuresGroupIntoEpisodes() {
        List<Instant> served = List.of(T, T.plusSeconds(1), T.plusSeconds(2), T.plusSeconds(10));
        assertThat(ChaosHttp.firstAfter(served, T.minusSeconds(1))).isEqualTo(T);
        assertThat(ChaosHttp.firstAfter(served, T.plusSeconds(1))).isEqualTo(T.plusSeconds(2));
        assertThat(ChaosHttp.firstAfter(served, T.plusSeconds(3))).isEqualTo(T.plusSeconds(10));
        assertThat(ChaosHttp.firstAfter(served, T.plusSeconds(10))).isEqualTo(Instant.MAX);
        assertThat(ChaosHttp.episodes(List.of(failure(W, 0, 10), failure(W, 3000, 3010), failure(W, 9000, 9010),
                failure("127.0.15.4", 1000, 1002)))).hasSize(3).first().asString().contains(": 1 failed");
        assertThat(ChaosHttp.episodes(List.of(failure(W, 0, 10), failure(W, 3000, 3010)))).singleElement().asString()
                .contains(": 2 failed, [ConnectException]");
    }
}
