package io.flotilla.mesh;

import java.util.Objects;

/**
 * One endpoint a route forwards to: a running task's address. The id (the task id) is what the
 * mesh keys its per-endpoint state by (outstanding requests, ejection, draining), so an endpoint
 * that moves to a new address is a new backend.
 *
 * @param port          1-65535; 0 for a backend of a {@link MeshListener.Protocol#TRANSPARENT_TCP} listener,
 *                      reached at the port each connection was sent to
 * @param sourceAddress the local address to connect from; null: the kernel's choice. A task on an
 *                      overlay network is reached from the node's own address on that network: the
 *                      network's gateway is on every node's bridge, so the task's reply to it would
 *                      stay on the task's node.
 */
public record MeshBackend(String id, String host, int port, String sourceAddress) {
    public MeshBackend {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        if (id.isBlank() || host.isBlank()) {
            throw new IllegalArgumentException("backend id and host must not be blank");
        }
        if (port < 0 || port > 65_535) {
            throw new IllegalArgumentException("backend " + id + ": port must be 1-65535 (0: the connection's own): " + port);
        }
    }

    public MeshBackend(String id, String host, int port) {
        this(id, host, port, null);
    }
}
