package io.flotilla.model;

import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A service instance that registered itself (a service Flotilla does not run). It lives in the
 * replicated state until deregistered or expired: renewals are heartbeats kept in the leader's
 * memory, and only the leader's verdict (expired) reaches the log.
 *
 * @param service the name it is found under: {@code stack_name} when registered in a stack
 * @param stack   the stack, or null
 * @param ttl     how long the entry lives without a renewal
 * @param owner   who registered it, as the API names a certificate ({@code worker:w1}, {@code manager:m1},
 *                {@code admin}): only the owner renews it, and only the owner, admin or a manager removes
 *                it. Null when registered without TLS (in-process tests) or before owners were recorded
 */
public record Registration(String id, String service, String stack, String address, Map<String, Integer> ports,
                           List<String> tags, Map<String, String> meta, Duration ttl, Instant registeredAt,
                           String owner) {
    public Registration {
        Checks.requireText(id, "registration id");
        Checks.requireText(service, "registration service");
        Checks.requireText(address, "registration address");
        ports = ports == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(ports));
        tags = tags == null ? List.of() : List.copyOf(tags);
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(meta));
        java.util.Objects.requireNonNull(ttl, "ttl");
        if (ttl.isNegative() || ttl.isZero()) {
            throw new IllegalArgumentException("ttl must be positive: " + ttl);
        }
        java.util.Objects.requireNonNull(registeredAt, "registeredAt");
        if (owner != null) {
            Checks.requireText(owner, "registration owner");
        }
    }

    public Endpoint toEndpoint() {
        return new Endpoint(id, service, stack, null, null, address, ports, tags, meta, Endpoint.REGISTRATION);
    }
}
