package io.flotilla.discovery.dns;

import java.time.Duration;

/**
 * What a node's DNS server spends on clients, so that no client (nor a flood of spoofed ones)
 * can make it exhaust threads, sockets or the upstream resolvers' patience.
 *
 * @param maxForwards          forwards to upstream resolvers at once (UDP and TCP together); a
 *                             query beyond that is answered SERVFAIL at once, not queued
 * @param forwardsPerSecond    the steady rate of forwards one client address may have
 * @param forwardBurst         how many forwards a client that was quiet may have at once
 * @param rateLimitedClients   client addresses whose rate is tracked; beyond that the least
 *                             recently seen is forgotten, so memory stays bounded under a flood
 * @param tcpIdle              how long a TCP connection may take to deliver its next whole query
 *                             (counted from the last answer, or the accept): a slow client that
 *                             trickles bytes is closed as one that sends nothing
 * @param maxTcpConnections    TCP connections served at once; one more is closed on accept
 */
public record DnsLimits(int maxForwards, int forwardsPerSecond, int forwardBurst, int rateLimitedClients,
                        Duration tcpIdle, int maxTcpConnections) {
    public static final DnsLimits DEFAULTS = new DnsLimits(64, 100, 200, 4096, Duration.ofSeconds(10), 256);

    public DnsLimits {
        if (maxForwards < 1 || forwardsPerSecond < 1 || forwardBurst < 1 || rateLimitedClients < 1 || maxTcpConnections < 1) {
            throw new IllegalArgumentException("DNS limits must be positive: " + maxForwards + ", " + forwardsPerSecond
                    + ", " + forwardBurst + ", " + rateLimitedClients + ", " + maxTcpConnections);
        }
        if (tcpIdle == null || tcpIdle.isNegative() || tcpIdle.isZero()) {
            throw new IllegalArgumentException("the TCP idle deadline must be positive: " + tcpIdle);
        }
    }

    public DnsLimits withMaxForwards(int n) {
        return new DnsLimits(n, forwardsPerSecond, forwardBurst, rateLimitedClients, tcpIdle, maxTcpConnections);
    }

    public DnsLimits withForwardRate(int perSecond, int burst) {
        return new DnsLimits(maxForwards, perSecond, burst, rateLimitedClients, tcpIdle, maxTcpConnections);
    }

    public DnsLimits withTcp(Duration idle, int maxConnections) {
        return new DnsLimits(maxForwards, forwardsPerSecond, forwardBurst, rateLimitedClients, idle, maxConnections);
    }
}
