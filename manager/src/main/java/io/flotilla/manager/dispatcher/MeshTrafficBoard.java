package io.flotilla.manager.dispatcher;

import io.flotilla.model.api.MeshTraffic;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The latest mesh counters of every node, as their agents' reports brought them to this leader
 * (in memory only: they are counters a node re-sends every few seconds, not cluster state). A node
 * that has sent none for {@link #STALE} is left out: it left, or is down, and its counters no
 * longer move.
 */
public final class MeshTrafficBoard {
    public static final Duration STALE = Duration.ofSeconds(30);

    private record Received(MeshTraffic traffic, Instant at) {}

    private final Map<String, Received> latest = new ConcurrentHashMap<>();

    /** {@code traffic} as {@code node} sent it (its own name wins over what the traffic says). */
    public void record(String node, MeshTraffic traffic, Instant receivedAt) {
        latest.put(node, new Received(new MeshTraffic(node, traffic.at(), traffic.backends()), receivedAt));
    }

    /** Every node's latest counters received within {@link #STALE} of {@code now}, by node id. */
    public List<MeshTraffic> current(Instant now) {
        latest.values().removeIf(r -> r.at().plus(STALE).isBefore(now));
        return latest.values().stream().map(Received::traffic).sorted(Comparator.comparing(MeshTraffic::node)).toList();
    }
}
