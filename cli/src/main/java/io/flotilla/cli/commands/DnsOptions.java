package io.flotilla.cli.commands;

import io.flotilla.discovery.dns.DnsConfig;
import io.flotilla.discovery.dns.DnsServer;
import io.flotilla.discovery.dns.SourcePrefix;
import io.flotilla.node.LocalNode;
import io.flotilla.node.NodeAddresses;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Option;

/**
 * The node's DNS server (discovery): {@code --dns HOST:PORT}, {@code --dns-domain},
 * {@code --dns-forward-from}, {@code --no-dns}.
 */
public final class DnsOptions {
    @Option(names = "--dns", paramLabel = "HOST:PORT",
            description = "Address of this node's DNS server for the cluster domain (default: the node's address, port 53; port 0: any free port).")
    String dns;

    @Option(names = "--dns-domain", defaultValue = DnsConfig.DEFAULT_DOMAIN, paramLabel = "DOMAIN",
            description = "The cluster's DNS domain (default: flotilla; not 'local', which belongs to mDNS).")
    String domain;

    @Option(names = "--dns-forward-from", split = ",", paramLabel = "CIDR",
            description = "Clients, besides loopback and the node's own address, whose names outside the cluster domain "
                    + "are forwarded to the host's resolvers (e.g. a bridge network of tasks: 172.18.0.0/16; 'any': "
                    + "everyone, an open resolver). Others get REFUSED for such names.")
    java.util.List<String> forwardFrom = java.util.List.of();

    @Option(names = "--no-dns", description = "Do not serve DNS on this node.")
    boolean off;

    /**
     * Starts the node's DNS server and prints where it answers. With the default address, a port
     * that is taken (another resolver on port 53) only warns; an explicit {@code --dns} that
     * cannot be bound fails.
     */
    public DnsServer start(LocalNode node, String nodeHost) throws IOException {
        if (off) {
            return null;
        }
        InetSocketAddress bind = dns == null ? new InetSocketAddress(nodeHost, DnsConfig.DEFAULT_PORT)
                : NodeAddresses.parseAddress(dns, DnsConfig.DEFAULT_PORT);
        try {
            DnsServer server = node.startDns(bind, domain, forwardFrom(nodeHost, bind));
            if (server != null) {
                InetSocketAddress a = server.address();
                System.out.println("  DNS:  " + a.getAddress().getHostAddress() + ":" + a.getPort() + " (udp, tcp), domain "
                        + server.config().domain() + "   (dig @" + a.getAddress().getHostAddress() + " -p " + a.getPort()
                        + " web.shop." + server.config().domain() + ")");
            }
            return server;
        } catch (IOException e) {
            if (dns != null) {
                throw e;
            }
            System.err.println("Warning: no DNS server on " + bind + " (" + e.getMessage() + "); use --dns HOST:PORT.");
            return null;
        }
    }

    /**
     * Loopback, the node's own address and the bind address (tasks on the host network reach the
     * server from those), and the {@code --dns-forward-from} prefixes.
     */
    List<SourcePrefix> forwardFrom(String nodeHost, InetSocketAddress bind) throws IOException {
        Set<SourcePrefix> prefixes = new LinkedHashSet<>(SourcePrefix.LOOPBACK);
        for (InetAddress own : InetAddress.getAllByName(nodeHost)) {
            prefixes.add(SourcePrefix.of(own));
        }
        if (bind.getAddress() != null && !bind.getAddress().isAnyLocalAddress()) {
            prefixes.add(SourcePrefix.of(bind.getAddress()));
        }
        for (String prefix : forwardFrom) {
            if (prefix.strip().equalsIgnoreCase("any")) {
                prefixes.addAll(SourcePrefix.ANYONE);
            } else {
                try {
                    prefixes.add(SourcePrefix.parse(prefix));
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("--dns-forward-from: " + e.getMessage(), e);
                }
            }
        }
        return List.copyOf(prefixes);
    }
}
