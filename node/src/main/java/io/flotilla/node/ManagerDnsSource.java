package io.flotilla.node;

import io.flotilla.discovery.EndpointSource;
import io.flotilla.model.Endpoint;
import java.util.Collection;
import java.util.function.BooleanSupplier;

/**
 * What a manager's DNS server answers from: its own registry, or, while its mesh routes from the
 * leader's registry because the manager lags behind ({@code NodeMesh#routesFromLeader}), the
 * node's mirror of the leader's registry, as a worker's does. A name then follows a task that
 * moved while the manager could not apply the change (restarted, cut off from its leader's appends)
 * instead of answering the address of a task that is gone.
 *
 * <p>While behind, it answers exactly as a worker's server does. Every read asks which source is
 * current; {@link #generation} pairs the current source's generation with which one it is, so an
 * answer cached from one is never reused for the other.
 */
final class ManagerDnsSource implements EndpointSource {
    private final EndpointSource own;
    private final EndpointSource leader;
    private final BooleanSupplier behind;
    private final NodeDns.PairedGeneration generation = new NodeDns.PairedGeneration();

    /**
     * @param own    the manager's registry
     * @param leader the node's mirror of the leader's registry
     * @param behind whether the manager lags and the mirror is to be answered from
     */
    ManagerDnsSource(EndpointSource own, EndpointSource leader, BooleanSupplier behind) {
        this.own = own;
        this.leader = leader;
        this.behind = behind;
    }

    private EndpointSource current() {
        return behind.getAsBoolean() ? leader : own;
    }

    @Override
    public boolean knows(String service) {
        return current().knows(service);
    }

    @Override
    public Collection<Endpoint> endpointsUnordered(String service) {
        return current().endpointsUnordered(service);
    }

    @Override
    public boolean stateful(String service) {
        return current().stateful(service);
    }

    @Override
    public String virtualAddress(String service) {
        return current().virtualAddress(service);
    }

    @Override
    public long generation() {
        boolean fromLeader = behind.getAsBoolean();
        long current = (fromLeader ? leader : own).generation();
        return current == UNVERSIONED ? UNVERSIONED : generation.of(current, fromLeader ? 1 : 0);
    }
}
