package io.flotilla.mesh;

import java.util.List;
import java.util.Objects;

/**
 * Where a listener sends a request: one service's backends, chosen by Host and path prefix on HTTP
 * listeners (services declare them with the labels {@code flotilla.http.host} and
 * {@code flotilla.http.path}).
 *
 * <p>Matching: among routes whose host matches (exact and case-insensitive with the port stripped,
 * or a {@code *.example.com} wildcard, or null for any host, in that order of priority), the
 * longest matching path prefix wins.
 *
 * @param service    "stack_service", used for metrics and logs
 * @param host       the Host to match, null for any; on a transparent listener the original
 *                   destination address the route serves (the virtual address)
 * @param pathPrefix the path prefix to match, null means "/"
 * @param balancing  how to pick a backend per request (per connection for TCP)
 * @param backends   the healthy endpoints the registry knows; may be empty (requests get 503)
 */
public record MeshRoute(String service, String host, String pathPrefix, Balancing balancing,
                        List<MeshBackend> backends) {

    /** How a backend is picked. P2C (power of two choices on outstanding requests) is the default. */
    public enum Balancing { P2C, ROUND_ROBIN, STICKY_CLIENT_IP, STICKY_COOKIE }

    public MeshRoute {
        Objects.requireNonNull(service, "service");
        if (service.isBlank()) {
            throw new IllegalArgumentException("service must not be blank");
        }
        if (host != null) {
            host = host.strip().toLowerCase(java.util.Locale.ROOT);
            if (host.isEmpty() || host.contains("/") || host.contains(" ")) {
                throw new IllegalArgumentException("route of " + service + ": bad host '" + host + "'");
            }
        }
        pathPrefix = pathPrefix == null ? "/" : pathPrefix;
        if (!pathPrefix.startsWith("/")) {
            throw new IllegalArgumentException("route of " + service + ": path prefix must start with '/': " + pathPrefix);
        }
        balancing = balancing == null ? Balancing.P2C : balancing;
        backends = backends == null ? List.of() : List.copyOf(backends);
    }
}
