package io.flotilla.discovery.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A node's DNS server: where it listens, the domain it answers for, its TTLs, where other
 * names are forwarded and for whom, and what it spends on clients.
 *
 * @param ttl         the TTL of answers: short, so that clients see endpoint changes quickly
 * @param negativeTtl how long a resolver may cache "no such name" (the SOA minimum, RFC 2308)
 * @param upstreams   resolvers for names outside the domain; empty: REFUSED
 * @param forwardFrom the clients whose questions outside the domain are forwarded (others get
 *                    REFUSED; names in the domain are answered to anyone). Null: loopback only,
 *                    so that a node is not an open resolver unless told ({@link SourcePrefix#ANYONE})
 * @param limits      forwards at once, per-client forward rate, TCP deadline and connections; null: defaults
 */
public record DnsConfig(InetSocketAddress bind, String domain, Duration ttl, Duration negativeTtl,
                        List<InetSocketAddress> upstreams, List<SourcePrefix> forwardFrom, DnsLimits limits) {
    public static final String DEFAULT_DOMAIN = "flotilla";
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(5);
    public static final Duration DEFAULT_NEGATIVE_TTL = Duration.ofSeconds(5);
    public static final int DEFAULT_PORT = 53;

    public DnsConfig {
        Objects.requireNonNull(bind, "bind");
        domain = domain == null || domain.isBlank() ? DEFAULT_DOMAIN : strip(domain);
        if (domain.equals("local") || domain.endsWith(".local")) {
            throw new IllegalArgumentException("the domain 'local' belongs to mDNS (RFC 6762); choose another, e.g. 'flotilla'");
        }
        ttl = ttl == null ? DEFAULT_TTL : ttl;
        negativeTtl = negativeTtl == null ? DEFAULT_NEGATIVE_TTL : negativeTtl;
        upstreams = upstreams == null ? List.of() : List.copyOf(upstreams);
        forwardFrom = forwardFrom == null ? SourcePrefix.LOOPBACK : List.copyOf(forwardFrom);
        limits = limits == null ? DnsLimits.DEFAULTS : limits;
    }

    /** Forwarding for loopback clients only, default limits. */
    public DnsConfig(InetSocketAddress bind, String domain, Duration ttl, Duration negativeTtl,
                     List<InetSocketAddress> upstreams) {
        this(bind, domain, ttl, negativeTtl, upstreams, null, null);
    }

    /** Defaults, forwarding to the host's resolvers (minus this server itself) for loopback clients. */
    public static DnsConfig of(InetSocketAddress bind) {
        return new DnsConfig(bind, DEFAULT_DOMAIN, null, null, HostResolvers.read(bind));
    }

    public DnsConfig withDomain(String newDomain) {
        return new DnsConfig(bind, newDomain, ttl, negativeTtl, upstreams, forwardFrom, limits);
    }

    public DnsConfig withUpstreams(List<InetSocketAddress> newUpstreams) {
        return new DnsConfig(bind, domain, ttl, negativeTtl, newUpstreams, forwardFrom, limits);
    }

    public DnsConfig withBind(InetSocketAddress newBind) {
        return new DnsConfig(newBind, domain, ttl, negativeTtl, upstreams, forwardFrom, limits);
    }

    public DnsConfig withForwardFrom(List<SourcePrefix> newForwardFrom) {
        return new DnsConfig(bind, domain, ttl, negativeTtl, upstreams, newForwardFrom, limits);
    }

    public DnsConfig withLimits(DnsLimits newLimits) {
        return new DnsConfig(bind, domain, ttl, negativeTtl, upstreams, forwardFrom, newLimits);
    }

    private static String strip(String domain) {
        String d = domain.strip().toLowerCase(java.util.Locale.ROOT);
        while (d.endsWith(".")) {
            d = d.substring(0, d.length() - 1);
        }
        while (d.startsWith(".")) {
            d = d.substring(1);
        }
        return d;
    }
}
