package io.flotilla.model.api;

import io.flotilla.model.Endpoint;
import java.util.List;

/** A service's healthy endpoints as of state {@code index} ({@code GET /v1/discovery/services/{name}}). */
public record EndpointSet(String service, long index, List<Endpoint> endpoints) {
    public EndpointSet {
        endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
    }
}
