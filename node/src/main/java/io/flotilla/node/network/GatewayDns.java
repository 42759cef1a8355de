package io.flotilla.node.network;

import io.flotilla.discovery.EndpointSource;
import io.flotilla.discovery.dns.DnsConfig;
import io.flotilla.discovery.dns.DnsMetrics;
import io.flotilla.discovery.dns.DnsServer;
import io.flotilla.discovery.dns.OverlayNames;
import io.flotilla.discovery.dns.SourcePrefix;
import io.flotilla.model.Endpoint;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.InstantSource;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A DNS server on each overlay network's gateway (the address every node's bridge of the network
 * holds, so a task's resolver reaches its own node's): questions from a task are answered from
 * the node's {@link OverlayNames} (its networks' names only; others NXDOMAIN), other names are
 * forwarded as the node's main DNS server forwards them, for the network's own subnet, and not at
 * all for an {@code internal} network (it has no way out of the cluster; its tasks' questions
 * must not have one either). A question from an address that is no task's gets no cluster name:
 * these servers know only the overlay.
 *
 * <p>One server per network, started when the network appears in the directory (its bridge then
 * holds the gateway), stopped when it goes; one that cannot bind is tried again on the next pass.
 */
final class GatewayDns implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(GatewayDns.class);
    /** Knows no service: the cluster's names are answered only by network, to tasks. */
    private static final EndpointSource NOTHING = new EndpointSource() {
        @Override
        public boolean knows(String service) {
            return false;
        }

        @Override
        public Collection<Endpoint> endpointsUnordered(String service) {
            return List.of();
        }
    };

    private final String domain;
    private final int port;
    private final List<InetSocketAddress> upstreams;
    private final Supplier<OverlayNames> names;
    /** Where the servers count their answers: the node's DNS meters, shared with its --dns server. */
    private final DnsMetrics metrics;
    /** Network name → its server, with the gateway and settings it was started for. */
    private final Map<String, Running> servers = new HashMap<>();

    private record Running(String gateway, String subnet, boolean internal, DnsServer server) {}

    /**
     * @param upstreams where other names go; null: the host's resolvers
     * @param metrics   the node's DNS meters (docs/metrics.md, {@code flotilla_dns_*})
     */
    GatewayDns(String domain, int port, List<InetSocketAddress> upstreams, Supplier<OverlayNames> names,
               DnsMetrics metrics) {
        this.metrics = java.util.Objects.requireNonNull(metrics, "metrics");
        this.domain = domain == null || domain.isBlank() ? DnsConfig.DEFAULT_DOMAIN : domain;
        this.port = port;
        this.upstreams = upstreams == null ? null : List.copyOf(upstreams);
        this.names = names;
    }

    String domain() {
        return domain;
    }

    synchronized InetSocketAddress address(String network) {
        Running running = servers.get(network);
        return running == null ? null : running.server().address();
    }

    /** Starts and stops servers to match the directory's networks; false if one could not start. */
    synchronized boolean follow(NetworkDirectory directory) {
        Set<String> wanted = new HashSet<>();
        boolean ok = true;
        for (NetworkEntry network : directory.networks()) {
            wanted.add(network.name());
            Running running = servers.get(network.name());
            if (running != null && running.gateway().equals(network.gateway()) && running.subnet().equals(network.subnet())
                    && running.internal() == network.internal()) {
                continue;
            }
            stop(network.name());
            try {
                servers.put(network.name(), new Running(network.gateway(), network.subnet(), network.internal(),
                        start(network)));
            } catch (IOException | RuntimeException e) {
                ok = false;
                LOG.warn("overlay: no DNS on network {}'s gateway {}:{} yet ({})", network.name(), network.gateway(), port,
                        e.getMessage());
            }
        }
        for (String name : Set.copyOf(servers.keySet())) {
            if (!wanted.contains(name)) {
                stop(name);
            }
        }
        return ok;
    }

    private DnsServer start(NetworkEntry network) throws IOException {
        InetSocketAddress bind = new InetSocketAddress(network.gateway(), port);
        DnsConfig config = DnsConfig.of(bind).withDomain(domain)
                .withForwardFrom(network.internal() ? List.of() : List.of(SourcePrefix.parse(network.subnet())));
        if (upstreams != null) {
            config = config.withUpstreams(upstreams);
        }
        return DnsServer.start(config, NOTHING, InstantSource.system(), names, metrics);
    }

    private void stop(String network) {
        Running running = servers.remove(network);
        if (running != null) {
            running.server().close();
        }
    }

    @Override
    public synchronized void close() {
        for (String name : Set.copyOf(servers.keySet())) {
            stop(name);
        }
    }
}
