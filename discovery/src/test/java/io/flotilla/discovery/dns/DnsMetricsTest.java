package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A real DNS server on loopback counts every answer by its response code, over UDP and TCP, and
 * times each; a second server given the same meters (the node's, after a role change) counts on.
 */
class DnsMetricsTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final DnsMetrics metrics = new DnsMetrics(registry);

    @Test
    void answersAreCountedByResponseCodeAndTimed() throws IOException {
        try (DnsServer server = start()) {
            assertThat(ask(server, "nope.shop.flotilla.", false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(ask(server, "nope.shop.flotilla.", true).getRcode()).isEqualTo(Rcode.NXDOMAIN);
            assertThat(ask(server, "flotilla.", false).getRcode()).isEqualTo(Rcode.NOERROR);
            // an outside name from a client nobody allowed to forward for: refused
            assertThat(ask(server, "example.org.", false).getRcode()).isEqualTo(Rcode.REFUSED);
        }
        assertThat(count("nxdomain")).isEqualTo(2);
        assertThat(count("noerror")).isEqualTo(1);
        assertThat(count("refused")).isEqualTo(1);
        assertThat(count("servfail")).isZero();
        assertThat(registry.get("flotilla.dns.query").timer().count()).isEqualTo(4);

        try (DnsServer again = start()) {
            ask(again, "nope.shop.flotilla.", false);
        }
        assertThat(count("nxdomain")).isEqualTo(3);
    }

    private DnsServer start() throws IOException {
        return DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", Duration.ofSeconds(5),
                Duration.ofSeconds(7), List.of()), new EndpointRegistry(), InstantSource.system(), null, metrics);
    }

    private double count(String rcode) {
        return registry.get("flotilla.dns.queries").tag("rcode", rcode).counter().count();
    }

    private static Message ask(DnsServer server, String name, boolean tcp) throws IOException {
        SimpleResolver resolver = new SimpleResolver(server.address());
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(3));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
    }
}
