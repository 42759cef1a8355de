package io.flotilla.model.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.Json;
import io.flotilla.model.Service;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A service as {@code GET /v1/services/{ref}} answers it (the manager's {@code ServiceAnswer}): the
 * service's own fields and its virtual address on each of its networks (network name → VIP; none in
 * {@code endpoint_mode: dnsrr}), which the state keeps apart from the service. {@code service
 * inspect} prints it in this shape ({@code virtualAddresses} left out when there are none).
 */
public record ServiceWithAddresses(@JsonUnwrapped Service service,
                                   @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> virtualAddresses) {
    private static final TypeReference<Map<String, String>> VIPS = new TypeReference<>() {};

    public ServiceWithAddresses {
        Objects.requireNonNull(service, "service");
        // sorted by network: inspect prints them in a stable order
        virtualAddresses = virtualAddresses == null ? Map.of() : java.util.Collections.unmodifiableMap(
                new TreeMap<>(virtualAddresses));
    }

    /** Reads the flat shape; see {@link TaskWithAddresses#read}. */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static ServiceWithAddresses read(JsonNode node) {
        Service service = Json.MAPPER.convertValue(node, Service.class);
        JsonNode vips = node.get("virtualAddresses");
        return new ServiceWithAddresses(service, vips == null || vips.isNull() ? Map.of()
                : Json.MAPPER.convertValue(vips, VIPS));
    }
}
