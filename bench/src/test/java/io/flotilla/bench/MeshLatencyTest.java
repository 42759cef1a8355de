package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class MeshLatencyTest {
    private static void record(Timer timer, int times, long micros) {
        for (int i = 0; i < times; i++) {
            timer.record(micros, TimeUnit.MICROSECONDS);
        }
    }

    @Test
    void percentilesOfOneRunAreThoseBetweenItsSnapshotsOverEveryBackend() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeshLatency.configure(registry);
        Timer a = Timer.builder(MeshLatency.TIMER).tag("backend", "a").publishPercentileHistogram().register(registry);
        Timer b = Timer.builder(MeshLatency.TIMER).tag("backend", "b").publishPercentileHistogram().register(registry);
        record(a, 1000, 100); // an earlier run: fast
        TreeMap<Double, Double> before = MeshLatency.snapshot(registry);
        record(a, 490, 200);
        record(b, 490, 200);
        record(b, 20, 4000); // 2 % slow, on one backend
        TreeMap<Double, Double> after = MeshLatency.snapshot(registry);

        // Sub-millisecond buckets, a fifth apart: the upper bound of the value's bucket.
        assertThat(MeshLatency.percentileMs(before, after, 50)).isBetween(0.2, 0.24);
        assertThat(MeshLatency.percentileMs(before, after, 99)).isBetween(4.0, 4.8);
        assertThat(MeshLatency.percentileMs(new TreeMap<>(), before, 99)).isBetween(0.1, 0.12);
        assertThat(MeshLatency.percentileMs(before, before, 99)).isNaN();
    }

    @Test
    void otherMetersKeepTheirOwnHistograms() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        MeshLatency.configure(registry);
        Timer other = Timer.builder("something.else").publishPercentileHistogram().register(registry);
        other.record(200, TimeUnit.MICROSECONDS);
        assertThat(other.takeSnapshot().histogramCounts()).isEmpty();
        assertThat(MeshLatency.snapshot(registry)).isEmpty();
    }
}
