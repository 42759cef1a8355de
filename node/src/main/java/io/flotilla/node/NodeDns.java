package io.flotilla.node;

import io.flotilla.discovery.EndpointSource;
import io.flotilla.discovery.SharedRegistryMirror;
import io.flotilla.discovery.dns.DnsConfig;
import io.flotilla.discovery.dns.DnsServer;
import io.flotilla.discovery.dns.SourcePrefix;
import io.flotilla.manager.Manager;
import io.flotilla.model.Endpoint;
import io.flotilla.node.mesh.NodeMesh;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;

/**
 * A node's DNS server (discovery) and where it answers from: a manager from its own registry
 * (or, while it lags behind its leader, as a worker: {@link ManagerDnsSource}), a worker from a mirror of the managers' registry, kept current by the all-services watch from the
 * manager its node session is on (and, while none answers, from the last set it had); the mesh reads the
 * same mirror ({@link SharedRegistryMirror}: one stream per node). The virtual
 * addresses are those the node's mesh serves. After a role change the server is started again
 * from the new source ({@link #restartDns}).
 */
final class NodeDns implements AutoCloseable {
    private final Supplier<Manager> manager;
    /** The node's one stream of the managers' registry, shared with the mesh. */
    private final SharedRegistryMirror registry;
    private final Supplier<NodeMesh> mesh;
    /** The node's DNS meters: one set, which each server started again after a role change counts on in. */
    private final io.flotilla.discovery.dns.DnsMetrics metrics;
    private volatile InetSocketAddress dnsBind;
    private volatile String dnsDomain;
    private volatile List<SourcePrefix> dnsForwardFrom;
    /** This node's DNS server, once {@link #startDns} ran; null when off. */
    private volatile DnsServer dns;
    /** While serving DNS: its hold on the stream keeping the mirror of the managers' registry current. */
    private volatile SharedRegistryMirror.Lease mirror;

    /**
     * @param manager  the node's manager now (null while it runs none)
     * @param registry the node's shared stream of the managers' registry
     * @param mesh     the node's mesh now (null while it runs none)
     */
    NodeDns(Supplier<Manager> manager, SharedRegistryMirror registry, Supplier<NodeMesh> mesh,
            io.flotilla.discovery.dns.DnsMetrics metrics) {
        this.metrics = metrics;
        this.manager = manager;
        this.registry = registry;
        this.mesh = mesh;
    }

    /** See {@link LocalNode#startDns}. */
    DnsServer startDns(InetSocketAddress bind, String domain, List<SourcePrefix> forwardFrom) throws IOException {
        dnsBind = bind;
        dnsDomain = domain;
        dnsForwardFrom = forwardFrom;
        EndpointSource source;
        Manager current = manager.get();
        mirror = registry.acquire();
        if (current != null) {
            source = new ManagerDnsSource(current.registry(), mirror.mirror(), () -> {
                NodeMesh node = mesh.get();
                return node != null && node.routesFromLeader();
            });
        } else {
            source = mirror.mirror();
        }
        source = withVirtualAddresses(source);
        try {
            dns = DnsServer.start(DnsConfig.of(bind).withDomain(domain).withForwardFrom(forwardFrom), source,
                    java.time.InstantSource.system(), null, metrics);
        } catch (IOException | RuntimeException e) {
            if (mirror != null) {
                mirror.close();
                mirror = null;
            }
            throw e;
        }
        return dns;
    }

    /** After a role change, DNS answers from the new source (own registry, or the managers' mirror). */
    void restartDns() throws IOException {
        InetSocketAddress bind = dnsBind;
        if (dns == null || bind == null) {
            return;
        }
        dns.close();
        dns = null;
        if (mirror != null) {
            mirror.close();
            mirror = null;
        }
        startDns(bind, dnsDomain, dnsForwardFrom);
    }

    /**
     * {@code source}, answering the virtual addresses this node's mesh serves (none while it runs
     * none); its generation follows both the source's and the mesh's.
     */
    private EndpointSource withVirtualAddresses(EndpointSource source) {
        PairedGeneration generation = new PairedGeneration();
        return new EndpointSource() {
            @Override
            public boolean knows(String service) {
                return source.knows(service);
            }

            @Override
            public Collection<Endpoint> endpointsUnordered(String service) {
                return source.endpointsUnordered(service);
            }

            @Override
            public boolean stateful(String service) {
                return source.stateful(service);
            }

            @Override
            public String virtualAddress(String service) {
                NodeMesh current = mesh.get();
                return current == null ? null : current.virtualAddress(service);
            }

            @Override
            public long generation() {
                long registry = source.generation();
                if (registry == UNVERSIONED) {
                    return UNVERSIONED;
                }
                NodeMesh current = mesh.get(); // 0 without a mesh: a mesh's generations start at 1
                return generation.of(registry, current == null ? 0 : current.virtualAddressGeneration());
            }
        };
    }

    /**
     * One generation for two (the registry's and the mesh's virtual addresses): a new number each
     * time either is seen to change, never one given before. A sum would not do: the mesh's part
     * drops to 0 when it stops, and two different pairs could add up the same.
     */
    static final class PairedGeneration {
        private record Seen(long first, long second, long combined) {}

        private volatile Seen seen = new Seen(Long.MIN_VALUE, Long.MIN_VALUE, 0);

        long of(long first, long second) {
            Seen last = seen;
            if (last.first() == first && last.second() == second) {
                return last.combined();
            }
            synchronized (this) {
                last = seen;
                if (last.first() != first || last.second() != second) {
                    last = new Seen(first, second, last.combined() + 1);
                    seen = last;
                }
                return last.combined();
            }
        }
    }

    @Override
    public void close() {
        if (dns != null) {
            dns.close();
        }
        if (mirror != null) {
            mirror.close();
        }
    }
}
