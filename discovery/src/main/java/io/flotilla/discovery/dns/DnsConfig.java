package io.flotilla.discovery.dns;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A node's DNS server: where it listens, the domain it answers for, its TTLs, and where other
 * names are forwarded.
 *
 * @param ttl         the TTL of answers: short, so that clients see endpoint changes quickly
 * @param negativeTtl how long a resolver may cache "no such name" (the SOA minimum, RFC 2308)
 * @param upstreams   resolvers for names outside the domain; empty: REFUSED
 */
public record DnsConfig(InetSocketAddress bind, String domain, Duration ttl, Duration negativeTtl,
                        List<InetSocketAddress> upstreams) {
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
    }

    /** Defaults, forwarding to the host's resolvers (minus this server itself). */
    public static DnsConfig of(InetSocketAddress bind) {
        return new DnsConfig(bind, DEFAULT_DOMAIN, null, null, HostResolvers.read(bind));
    }

    public DnsConfig withDomain(String newDomain) {
        return new DnsConfig(bind, newDomain, ttl, negativeTtl, upstreams);
    }

    public DnsConfig withUpstreams(List<InetSocketAddress> newUpstreams) {
        return new DnsConfig(bind, domain, ttl, negativeTtl, newUpstreams);
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
