package io.flotilla.discovery.dns;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.xbill.DNS.Rcode;

/**
 * A node's DNS server in its metrics ({@code flotilla_dns_*}, docs/metrics.md): every answer
 * counted by its response code, and the time from the query's arrival to its answer (forwarded
 * ones included). The counters are made once, one per code an answer can carry here, so
 * recording a query reads the code from the answer's header and allocates nothing. One per node,
 * handed to each DNS server it starts: a server started again after a role change counts on.
 */
public final class DnsMetrics {
    /** The codes counted by name; any other lands in {@code other}. */
    static final int[] CODES = {Rcode.NOERROR, Rcode.FORMERR, Rcode.SERVFAIL, Rcode.NXDOMAIN, Rcode.NOTIMP, Rcode.REFUSED};
    private static final Duration[] BUCKETS = {
            Duration.ofNanos(100_000), Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
            Duration.ofMillis(2), Duration.ofMillis(5), Duration.ofMillis(10), Duration.ofMillis(25),
            Duration.ofMillis(50), Duration.ofMillis(100), Duration.ofMillis(250), Duration.ofMillis(500),
            Duration.ofSeconds(1), Duration.ofSeconds(2)};

    private final Counter[] byCode = new Counter[16];
    private final Timer latency;

    public DnsMetrics(MeterRegistry registry) {
        Counter other = counter(registry, "other");
        java.util.Arrays.fill(byCode, other);
        for (int code : CODES) {
            byCode[code] = counter(registry, Rcode.string(code).toLowerCase(Locale.ROOT));
        }
        latency = Timer.builder("flotilla.dns.query").description("Time from a DNS query's arrival to its answer")
                .serviceLevelObjectives(BUCKETS).register(registry);
    }

    /** Meters in a registry of their own, which nobody scrapes (a server outside a node). */
    public static DnsMetrics unexported() {
        return new DnsMetrics(new SimpleMeterRegistry());
    }

    private static Counter counter(MeterRegistry registry, String rcode) {
        return Counter.builder("flotilla.dns.queries").description("DNS queries answered, by response code")
                .tag("rcode", rcode).register(registry);
    }

    /** Counts {@code answer} (a DNS message in wire format) by its code, and the time since {@code receivedNanos}. */
    void answered(byte[] answer, long receivedNanos) {
        int code = answer.length > 3 ? answer[3] & 0x0f : Rcode.FORMERR;
        byCode[code].increment();
        latency.record(System.nanoTime() - receivedNanos, TimeUnit.NANOSECONDS);
    }
}
