package io.flotilla.model.api;

import io.flotilla.model.ServiceSpec;
import java.util.List;

/**
 * {@code GET /v1/discovery/mesh}: every service as the routing mesh needs it (ports, labels,
 * endpoint mode; the task template reduced to its labels), at state {@code index}.
 */
public record MeshServices(long index, List<ServiceSpec> services) {
    public MeshServices {
        services = services == null ? List.of() : List.copyOf(services);
    }
}
