package io.flotilla.model.api;

import java.time.Instant;
import java.util.List;

/**
 * What one node's routing mesh has forwarded, per backend: counters since the mesh made the
 * backend's meters (they start again from 0 when its table changes, as Prometheus counters may).
 * An agent sends its node's with its status report every few seconds; the leader keeps the latest
 * of each node, and the dashboard takes request rates and latencies across the cluster from them.
 *
 * @param node     the node whose mesh counted
 * @param at       when the node read its counters
 * @param backends one entry per service and backend the node's mesh routes to
 */
public record MeshTraffic(String node, Instant at, List<Backend> backends) {
    public MeshTraffic {
        backends = backends == null ? List.of() : List.copyOf(backends);
    }

    /**
     * @param requests        requests (HTTP) or connections (TCP) forwarded, whatever the answer
     * @param errors          of which were answered 5xx
     * @param durationCount   requests timed
     * @param durationSeconds their time summed, in seconds
     */
    public record Backend(String service, String backend, long requests, long errors, long durationCount,
                          double durationSeconds) {}
}
