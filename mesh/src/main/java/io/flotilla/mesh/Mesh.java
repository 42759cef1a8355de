package io.flotilla.mesh;

import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.Set;

/**
 * The routing mesh of one node: listeners for every published port, forwarding to healthy
 * endpoints anywhere in the cluster. Fed whole tables by {@link #apply}.
 */
public final class Mesh implements AutoCloseable {
    private final MeshOptions options;
    private final MeterRegistry registry;

    public Mesh(MeshOptions options, MeterRegistry registry) {
        this.options = Objects.requireNonNull(options, "options");
        this.registry = Objects.requireNonNull(registry, "registry");
    }

    /**
     * Makes the listeners and routes match the table: opens new listeners, closes gone ones
     * (draining), swaps routes atomically; backends that disappear drain. Idempotent, thread-safe.
     * A listener that cannot bind is reported (exception listing the failed binds) without
     * disturbing the others.
     */
    public void apply(MeshTable table) {
        throw new UnsupportedOperationException("not yet");
    }

    /** The addresses the listeners are bound to (with the kernel's port for port 0). */
    public Set<InetSocketAddress> boundAddresses() {
        return Set.of();
    }

    @Override
    public void close() {
    }
}
