package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import java.util.List;

/**
 * A change of one service's endpoint set, made by the log entry at {@code index}: the endpoints
 * added or changed, and the ids of those that left. Every manager applies the same log, so every
 * manager computes the same changes at the same indexes. {@code previous} holds the versions the
 * changed and removed endpoints had before, so a watcher filtering by tags can tell an endpoint
 * that stopped matching (a removal for it) from one it never saw (nothing).
 */
public record EndpointChange(long index, String service, List<Endpoint> upserted, List<String> removed,
                             List<Endpoint> previous) {
    public EndpointChange {
        upserted = List.copyOf(upserted);
        removed = List.copyOf(removed);
        previous = previous == null ? List.of() : List.copyOf(previous);
    }

    public EndpointChange(long index, String service, List<Endpoint> upserted, List<String> removed) {
        this(index, service, upserted, removed, List.of());
    }

    /**
     * This change as a watcher filtering on {@code tags} sees it: endpoints that match are
     * upserted; those that matched before and no longer do (or left) are removed; null if nothing
     * it sees changed.
     */
    public EndpointChange filtered(List<String> tags) {
        if (tags.isEmpty()) {
            return this;
        }
        java.util.Map<String, Endpoint> before = new java.util.HashMap<>();
        previous.forEach(e -> before.put(e.id(), e));
        List<Endpoint> up = new java.util.ArrayList<>();
        List<String> gone = new java.util.ArrayList<>();
        for (Endpoint endpoint : upserted) {
            Endpoint old = before.get(endpoint.id());
            if (endpoint.hasTags(tags)) {
                up.add(endpoint);
            } else if (old != null && old.hasTags(tags)) {
                gone.add(endpoint.id());
            }
        }
        for (String id : removed) {
            Endpoint old = before.get(id);
            if (old == null || old.hasTags(tags)) {
                gone.add(id);
            }
        }
        return up.isEmpty() && gone.isEmpty() ? null : new EndpointChange(index, service, up, gone, List.of());
    }
}
