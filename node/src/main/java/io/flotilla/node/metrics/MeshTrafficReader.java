package io.flotilla.node.metrics;

import io.flotilla.model.api.MeshTraffic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * This node's mesh counters as its agent reports them ({@link MeshTraffic}): read from the node's
 * registry, where the mesh keeps {@code flotilla.mesh.requests} (per service, backend and answer
 * class) and {@code flotilla.mesh.request.duration} (per service and backend); docs/metrics.md.
 */
public final class MeshTrafficReader {
    private final String node;
    private final MeterRegistry registry;
    private final InstantSource clock;

    public MeshTrafficReader(String node, MeterRegistry registry, InstantSource clock) {
        this.node = node;
        this.registry = registry;
        this.clock = clock;
    }

    /** The counters now; no backend when the node's mesh routes nothing (or runs no mesh). */
    public MeshTraffic read() {
        Map<List<String>, long[]> counts = new TreeMap<>(MeshTrafficReader::compare); // requests, errors, timed
        Map<List<String>, Double> seconds = new TreeMap<>(MeshTrafficReader::compare);
        for (Counter counter : registry.find("flotilla.mesh.requests").counters()) {
            long[] c = counts.computeIfAbsent(key(counter.getId()), k -> new long[3]);
            long value = (long) counter.count();
            c[0] += value;
            if ("5xx".equals(counter.getId().getTag("code"))) {
                c[1] += value;
            }
        }
        for (Timer timer : registry.find("flotilla.mesh.request.duration").timers()) {
            List<String> key = key(timer.getId());
            counts.computeIfAbsent(key, k -> new long[3])[2] += timer.count();
            seconds.merge(key, timer.totalTime(TimeUnit.NANOSECONDS) / 1e9, Double::sum);
        }
        List<MeshTraffic.Backend> backends = new ArrayList<>(counts.size());
        counts.forEach((key, c) -> backends.add(new MeshTraffic.Backend(key.get(0), key.get(1), c[0], c[1], c[2],
                seconds.getOrDefault(key, 0.0))));
        return new MeshTraffic(node, clock.instant(), backends);
    }

    private static List<String> key(io.micrometer.core.instrument.Meter.Id id) {
        return List.of(String.valueOf(id.getTag("service")), String.valueOf(id.getTag("backend")));
    }

    private static int compare(List<String> a, List<String> b) {
        int service = a.get(0).compareTo(b.get(0));
        return service != 0 ? service : a.get(1).compareTo(b.get(1));
    }
}
