package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import java.util.Collection;

/**
 * What the DNS server answers from: a manager's own {@link EndpointRegistry}, or on a worker a
 * {@link RegistryMirror} of the managers' registry. Reads must be lock-free and cheap: they run on
 * the DNS server's receiving threads.
 */
public interface EndpointSource {
    /** What {@link #generation} returns for a source that cannot tell when it changed: nothing it answers is cached. */
    long UNVERSIONED = -1;

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

    /**
     * A number that grows with every change that may alter an answer read from this source (an
     * endpoint, a service, a stateful flag, a virtual address). The source bumps it after the
     * change is readable, never before: whoever reads a generation and then the source sees at
     * least that generation's data. The DNS server reuses encoded answers while it stays the
     * same, so a change that does not bump it would be answered stale until one that does; a
     * source that cannot promise this returns {@link #UNVERSIONED} (the default), and every
     * answer is built from the reads.
     */
    default long generation() {
        return UNVERSIONED;
    }
}
