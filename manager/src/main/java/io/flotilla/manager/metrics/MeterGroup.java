package io.flotilla.manager.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.ToDoubleFunction;

/**
 * The meters one manager role registers in its node's registry, remembered so that {@link #close}
 * removes them all: a demoted node must not go on exporting a stopped Raft peer's term (its gauges
 * would read a closed store), and a node promoted again registers the same names afresh. Timers
 * publish fixed Prometheus buckets ({@link #BUCKETS}), enough for a dashboard's quantiles without
 * Micrometer's ~70 default ones per series. Every meter is made once, when its part starts: what
 * records on a hot path holds its meter and allocates nothing per call.
 */
public final class MeterGroup implements AutoCloseable {
    /** The histogram buckets of every timer of the manager (and the agent's, DNS's: docs/metrics.md). */
    public static final Duration[] BUCKETS = {
            Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofMillis(2500), Duration.ofSeconds(5), Duration.ofSeconds(10),
            Duration.ofSeconds(30)};

    private final MeterRegistry registry;
    private final List<Meter> meters = new CopyOnWriteArrayList<>();

    public MeterGroup(MeterRegistry registry) {
        this.registry = registry;
    }

    /** A group in a registry of its own, which nobody scrapes: a manager started without a node's registry. */
    public static MeterGroup unexported() {
        return new MeterGroup(new SimpleMeterRegistry());
    }

    public MeterRegistry registry() {
        return registry;
    }

    /** {@code tags}: name, value, name, value… */
    public Counter counter(String name, String description, String... tags) {
        return add(Counter.builder(name).description(description).tags(tags).register(registry));
    }

    public Timer timer(String name, String description, String... tags) {
        return add(Timer.builder(name).description(description).tags(tags).serviceLevelObjectives(BUCKETS)
                .register(registry));
    }

    /** A gauge that reads {@code of} from {@code source}, held strongly until {@link #close}. */
    public <T> Gauge gauge(String name, String description, T source, ToDoubleFunction<T> of, String... tags) {
        return add(Gauge.builder(name, source, of).description(description).tags(tags).strongReference(true)
                .register(registry));
    }

    private <M extends Meter> M add(M meter) {
        meters.add(meter);
        return meter;
    }

    /** Removes every meter of the group from the registry. */
    @Override
    public void close() {
        for (Meter meter : meters) {
            registry.remove(meter);
        }
        meters.clear();
    }
}
