package io.flotilla.mesh;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A node's whole routing table: every listener the mesh should have open, with its routes.
 * {@link Mesh#apply} makes the running proxy match it; a table is a value, so the caller builds
 * a fresh one from the registry on every change and hands it over whole.
 *
 * <p>Invariant: no two listeners share an address and port (they could not both bind).
 */
public record MeshTable(List<MeshListener> listeners) {
    public MeshTable {
        listeners = listeners == null ? List.of() : List.copyOf(listeners);
        Set<String> seen = new HashSet<>();
        for (MeshListener listener : listeners) {
            Objects.requireNonNull(listener, "listener");
            if (!seen.add(listener.bindAddress() + ":" + listener.port())) {
                throw new IllegalArgumentException("two listeners on " + listener.bindAddress() + ":" + listener.port());
            }
        }
    }

    /** The table with no listeners: applying it closes everything. */
    public static MeshTable empty() {
        return new MeshTable(List.of());
    }
}
