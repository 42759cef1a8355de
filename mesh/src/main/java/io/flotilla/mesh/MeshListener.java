package io.flotilla.mesh;

import java.util.List;
import java.util.Objects;

/**
 * One published port in ingress mode: the mesh listens on {@code bindAddress:port} and forwards to
 * the routes' backends. Or, {@link Protocol#TRANSPARENT_TCP}, the one socket that the kernel's
 * DNAT sends every TCP connection for some virtual addresses to, whatever their port.
 *
 * <p>A TCP listener has exactly one route (there is nothing in a byte stream to route by). An HTTP
 * listener may carry many routes that share the port, told apart by Host and path prefix; with
 * {@code tls} set it is HTTPS and offers h2 and http/1.1 by ALPN, without it it also accepts h2c
 * with prior knowledge.
 *
 * @param bindAddress   the local address to bind ("0.0.0.0" for every interface)
 * @param port          1-65535, or 0 to let the kernel choose (tests; see {@link Mesh#boundAddresses()})
 * @param protocol      TCP (L4) or HTTP (L7)
 * @param tls           where to find the certificate; null means plaintext
 * @param proxyProtocol TCP only: send a PROXY protocol v2 header to the backend so it sees the client's address
 * @param routes        at least one
 */
public record MeshListener(String bindAddress, int port, Protocol protocol, TlsSettings tls,
                           boolean proxyProtocol, List<MeshRoute> routes) {

    /**
     * What the listener speaks. HTTP with {@link TlsSettings} is HTTPS. TRANSPARENT_TCP is TCP whose
     * connections were redirected to it by a DNAT rule: each one is routed by its original
     * destination, read from the kernel's connection tracking ({@code SO_ORIGINAL_DST}), to the
     * route whose {@link MeshRoute#host()} is that address, and reaches the chosen backend at the
     * original destination's port (its backends have port 0). That serves every port of a virtual
     * address with one socket; it needs the io_uring or epoll transport (the socket's descriptor).
     */
    public enum Protocol { TCP, HTTP, TRANSPARENT_TCP }

    public MeshListener {
        Objects.requireNonNull(bindAddress, "bindAddress");
        if (bindAddress.isBlank()) {
            throw new IllegalArgumentException("bindAddress must not be blank");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("port must be 0-65535: " + port);
        }
        Objects.requireNonNull(protocol, "protocol");
        routes = routes == null ? List.of() : List.copyOf(routes);
        if (routes.isEmpty()) {
            throw new IllegalArgumentException("listener " + bindAddress + ":" + port + " has no routes");
        }
        if (protocol == Protocol.TRANSPARENT_TCP) {
            checkTransparent(bindAddress, port, tls, routes);
        } else {
            for (MeshRoute route : routes) {
                for (MeshBackend backend : route.backends()) {
                    if (backend.port() == 0) {
                        throw new IllegalArgumentException("listener " + bindAddress + ":" + port + ": backend " + backend.id()
                                + " of " + route.service() + " has port 0, which only a transparent listener's backends have");
                    }
                }
            }
        }
        if (protocol == Protocol.TCP && routes.size() != 1) {
            throw new IllegalArgumentException("TCP listener " + bindAddress + ":" + port + " must have exactly one route, has " + routes.size());
        }
        if (protocol == Protocol.TCP && tls != null) {
            throw new IllegalArgumentException("TCP listener " + bindAddress + ":" + port + " cannot terminate TLS; use HTTP");
        }
        if (protocol == Protocol.HTTP && proxyProtocol) {
            throw new IllegalArgumentException("HTTP listener " + bindAddress + ":" + port + ": PROXY protocol is for TCP listeners (HTTP gets X-Forwarded-For/Forwarded)");
        }
    }

    /** One route per original destination address (an IPv4 literal), backends without a port of their own. */
    private static void checkTransparent(String bindAddress, int port, TlsSettings tls, List<MeshRoute> routes) {
        if (tls != null) {
            throw new IllegalArgumentException("transparent listener " + bindAddress + ":" + port + " cannot terminate TLS");
        }
        java.util.Set<String> destinations = new java.util.HashSet<>();
        for (MeshRoute route : routes) {
            String host = route.host();
            if (host == null || !host.matches("\\d{1,3}(\\.\\d{1,3}){3}")) {
                throw new IllegalArgumentException("transparent listener " + bindAddress + ":" + port + ": route of "
                        + route.service() + " needs its destination address (an IPv4 address) as host, not " + host);
            }
            if (!destinations.add(host)) {
                throw new IllegalArgumentException("transparent listener " + bindAddress + ":" + port
                        + ": two routes for destination " + host);
            }
            for (MeshBackend backend : route.backends()) {
                if (backend.port() != 0) {
                    throw new IllegalArgumentException("transparent listener " + bindAddress + ":" + port + ": backend "
                            + backend.id() + " of " + route.service() + " has port " + backend.port()
                            + "; it must be 0 (a connection reaches the backend at the port it was sent to)");
                }
            }
        }
    }
}
