package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import java.util.List;

/**
 * A change of one service's endpoint set, made by the log entry at {@code index}: the endpoints
 * added or changed, and the ids of those that left. Every manager applies the same log, so every
 * manager computes the same changes at the same indexes.
 */
public record EndpointChange(long index, String service, List<Endpoint> upserted, List<String> removed) {
    public EndpointChange {
        upserted = List.copyOf(upserted);
        removed = List.copyOf(removed);
    }
}
