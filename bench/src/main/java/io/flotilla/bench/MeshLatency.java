package io.flotilla.bench;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The mesh's own view of a request's time, beside wrk's: its timer {@code flotilla.mesh.request.duration}
 * (the request's arrival to the backend's full answer, before the answer is written back), summed over
 * the backends. Where wrk's p99 is much higher than this one, the time is spent outside the mesh's
 * handling: waiting for a CPU, in the kernel, in wrk.
 *
 * <p>{@link #configure} gives the timer histogram buckets of its own from 10 µs, each a fifth above
 * the one before (a simple registry publishes no percentile histogram, only such fixed buckets), and
 * makes them cumulative (one buffer, expiring after a day), so that two {@link #snapshot snapshots}
 * bracket one wrk run and their difference is that run's distribution. A percentile is reported as
 * the upper bound of the bucket it falls in: at most 20 % above the true value.
 */
final class MeshLatency {
    static final String TIMER = "flotilla.mesh.request.duration";
    /** Bucket bounds in nanoseconds: 10 µs × 1.2^k up to 10 s, each a fifth above the one before. */
    private static final double[] BOUNDS = bounds();

    private MeshLatency() {}

    /** The registry's meter filter for the mesh's timer; call before the mesh registers it. */
    static void configure(MeterRegistry registry) {
        registry.config().meterFilter(new MeterFilter() {
            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (!id.getName().equals(TIMER)) {
                    return config;
                }
                return DistributionStatisticConfig.builder().serviceLevelObjectives(BOUNDS)
                        .expiry(Duration.ofDays(1)).bufferLength(1).build().merge(config);
            }
        });
    }

    private static double[] bounds() {
        List<Double> bounds = new ArrayList<>();
        for (double bound = TimeUnit.MICROSECONDS.toNanos(10); bound <= TimeUnit.SECONDS.toNanos(10); bound *= 1.2) {
            bounds.add(Math.rint(bound));
        }
        return bounds.stream().mapToDouble(Double::doubleValue).toArray();
    }

    /** Cumulative counts at or below each bucket's bound (ns), over every backend's timer. */
    static TreeMap<Double, Double> snapshot(MeterRegistry registry) {
        TreeMap<Double, Double> counts = new TreeMap<>();
        for (Timer timer : registry.find(TIMER).timers()) {
            for (CountAtBucket bucket : timer.takeSnapshot().histogramCounts()) {
                counts.merge(bucket.bucket(TimeUnit.NANOSECONDS), bucket.count(), Double::sum);
            }
        }
        return counts;
    }

    /**
     * The upper bound in milliseconds of the bucket holding the {@code percentile}th request between
     * two snapshots; NaN when no request was recorded between them.
     */
    static double percentileMs(TreeMap<Double, Double> before, TreeMap<Double, Double> after, double percentile) {
        double total = 0;
        for (var bucket : after.entrySet()) { // cumulative: the largest bucket holds all but the overflow
            total = Math.max(total, bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0));
        }
        if (total <= 0) {
            return Double.NaN;
        }
        for (var bucket : after.entrySet()) {
            double cumulative = bucket.getValue() - before.getOrDefault(bucket.getKey(), 0.0);
            if (cumulative >= percentile / 100 * total) {
                return bucket.getKey() / 1e6;
            }
        }
        return after.lastKey() / 1e6;
    }
}
