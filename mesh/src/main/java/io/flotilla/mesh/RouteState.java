package io.flotilla.mesh;

import io.micrometer.core.instrument.Counter;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A route as the proxy uses it: the declared {@link MeshRoute} with its backends' live state and
 * the per-service error counters. Immutable apart from the round-robin cursor; a table change
 * builds new RouteStates and swaps them in whole.
 */
final class RouteState {
    final MeshRoute route;
    final BackendState[] backends;
    final AtomicInteger roundRobin = new AtomicInteger();
    final Counter noBackend;
    final Counter exhausted;
    final Counter retries;
    final Counter timeouts;

    RouteState(MeshRoute route, List<BackendState> backends, ServiceMeters meters) {
        this.route = route;
        this.backends = backends.toArray(BackendState[]::new);
        this.noBackend = meters.noBackend();
        this.exhausted = meters.exhausted();
        this.retries = meters.retries();
        this.timeouts = meters.timeouts();
    }

    String service() {
        return route.service();
    }

    /** The backend with this id, if it is still in the route (sticky cookies name backends by id). */
    BackendState byId(String id) {
        for (BackendState backend : backends) {
            if (backend.backend.id().equals(id)) {
                return backend;
            }
        }
        return null;
    }

    /** Per-service counters, shared by every RouteState of the service. */
    record ServiceMeters(Counter noBackend, Counter exhausted, Counter retries, Counter timeouts) {}
}
