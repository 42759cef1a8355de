package io.flotilla.mesh;

import java.util.List;
import java.util.Objects;

/**
 * One published port in ingress mode: the mesh listens on {@code bindAddress:port} and forwards to
 * the routes' backends.
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

    /** What the listener speaks. HTTP with {@link TlsSettings} is HTTPS. */
    public enum Protocol { TCP, HTTP }

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
}
