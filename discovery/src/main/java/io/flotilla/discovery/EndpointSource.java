package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import java.util.Collection;

/**
 * What the DNS server answers from: a manager's own {@link EndpointRegistry}, or on a worker a
 * {@link RegistryMirror} of the managers' registry. Reads must be lock-free and cheap: they run on
 * the DNS server's receiving threads.
 */
public interface EndpointSource {
    /** True if {@code service} is known (exists, or has endpoints): an unknown name is NXDOMAIN. */
    boolean knows(String service);

    /** The healthy endpoints of {@code service}, in no particular order; empty if none. */
    Collection<Endpoint> endpointsUnordered(String service);

    /**
     * The service's virtual address when this node's routing mesh serves one for it (endpoint
     * mode vip); null otherwise, and then its name answers the endpoints' addresses.
     */
    default String virtualAddress(String service) {
        return null;
    }

    /**
     * True if {@code service} is stateful: its endpoints carry their slot and it has per-slot names
     * ({@code db-1.db.shop.flotilla}). A source that only sees endpoints judges by them.
     */
    default boolean stateful(String service) {
        for (Endpoint endpoint : endpointsUnordered(service)) {
            if (endpoint.slot() != null) {
                return true;
            }
        }
        return false;
    }
}
