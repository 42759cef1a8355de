package io.flotilla.mesh;

import java.util.Objects;

/**
 * One endpoint a route forwards to: a running task's address. The id (the task id) is what the
 * mesh keys its per-endpoint state by (outstanding requests, ejection, draining), so an endpoint
 * that moves to a new address is a new backend.
 */
public record MeshBackend(String id, String host, int port) {
    public MeshBackend {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(host, "host");
        if (id.isBlank() || host.isBlank()) {
            throw new IllegalArgumentException("backend id and host must not be blank");
        }
        if (port < 1 || port > 65_535) {
            throw new IllegalArgumentException("backend " + id + ": port must be 1-65535: " + port);
        }
    }
}
