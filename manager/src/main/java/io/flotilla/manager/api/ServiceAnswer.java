package io.flotilla.manager.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.flotilla.model.Service;
import io.flotilla.state.ClusterState;
import java.util.Map;

/**
 * A service as {@code GET /v1/services/{ref}} answers it ({@code service inspect}): the service's
 * own fields, and its virtual address on each of its networks (network name → address; none in
 * {@code endpoint_mode: dnsrr}), which the state keeps apart from the service (its network table).
 * A reader that knows only {@link Service} reads it as one (unknown fields are ignored);
 * {@code virtualAddresses} is left out when there are none.
 */
record ServiceAnswer(@JsonUnwrapped Service service,
                     @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> virtualAddresses) {
    static ServiceAnswer of(ClusterState state, Service service) {
        return new ServiceAnswer(service, state.networks().virtualAddressesOf(service.id()));
    }
}
