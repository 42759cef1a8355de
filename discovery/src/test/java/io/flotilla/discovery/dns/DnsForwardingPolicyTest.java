package io.flotilla.discovery.dns;

import static io.flotilla.discovery.dns.DnsClients.askTcp;
import static io.flotilla.discovery.dns.DnsClients.askUdp;
import static io.flotilla.discovery.dns.DnsClients.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;

/**
 * Who gets names outside the cluster domain forwarded, how often and how many at once: a real
 * DnsServer on 127.0.0.1 and a {@link FakeUpstream} that counts what reaches it. Clients send
 * from other loopback addresses (127.0.0.2, 127.0.0.3) to stand for allowed and other hosts.
 */
class DnsForwardingPolicyTest {
    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final String ALLOWED = "127.0.0.2";
    private static final String STRANGER = "127.0.0.3";
    private final TestClock clock = new TestClock();
    private FakeUpstream upstream;
    private DnsServer server;

    private void start(FakeUpstream.Script script, DnsLimits limits) throws IOException {
        upstream = new FakeUpstream(script);
        DnsConfig config = new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", null, null,
                List.of(upstream.address()), List.of(SourcePrefix.parse(ALLOWED + "/32")), limits);
        server = DnsServer.start(config, new EndpointRegistry(), clock);
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (server != null) {
            server.close();
        }
        if (upstream != null) {
            upstream.close();
        }
    }

    @Test
    void byDefaultOnlyLoopbackClientsAreForwardedFor() {
        DnsConfig config = new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", null, null, List.of());
        assertThat(config.forwardFrom()).isEqualTo(SourcePrefix.LOOPBACK);
        assertThat(DnsConfig.of(new InetSocketAddress("127.0.0.1", 0)).forwardFrom()).isEqualTo(SourcePrefix.LOOPBACK);
    }

    @Test
    void anOutsideNameFromAClientNotAllowedIsRefusedAndNothingGoesUpstream() throws Exception {
        start(FakeUpstream.ANSWERS, DnsLimits.DEFAULTS);
        assertThat(askUdp(server.address(), STRANGER, query("www.example."), WAIT).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(askTcp(server.address(), STRANGER, query("www.example."), WAIT).getRcode()).isEqualTo(Rcode.REFUSED);
        // the cluster's own names are still answered to anyone
        assertThat(askUdp(server.address(), STRANGER, query("nope.flotilla."), WAIT).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        Message allowed = askUdp(server.address(), ALLOWED, query("www.example."), WAIT);
        assertThat(allowed.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(allowed.getSectionArray(org.xbill.DNS.Section.ANSWER)).hasSize(1);
        assertThat(upstream.queries()).as("only the allowed client's query went upstream").hasSize(1);
    }

    @Test
    void aClientOverItsRateIsRefusedWithoutAnUpstreamPacketUntilItsBucketRefills() throws Exception {
        start(FakeUpstream.ANSWERS, DnsLimits.DEFAULTS.withForwardRate(2, 3));
        for (int i = 0; i < 3; i++) {
            assertThat(askUdp(server.address(), ALLOWED, query("a" + i + ".example."), WAIT).getRcode())
                    .as("query %d, within the burst", i).isEqualTo(Rcode.NOERROR);
        }
        assertThat(askUdp(server.address(), ALLOWED, query("over.example."), WAIT).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(askTcp(server.address(), ALLOWED, query("over.example."), WAIT).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(upstream.queries()).hasSize(3);
        clock.advance(Duration.ofMillis(500)); // one token at 2/s
        assertThat(askUdp(server.address(), ALLOWED, query("b.example."), WAIT).getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(askUdp(server.address(), ALLOWED, query("c.example."), WAIT).getRcode()).isEqualTo(Rcode.REFUSED);
        assertThat(upstream.queries()).hasSize(4);
    }

    @Test
    void beyondTheForwardsAtOnceTheAnswerIsServfailAtOnceWithoutAnUpstreamPacket() throws Exception {
        start(FakeUpstream.SILENT, DnsLimits.DEFAULTS.withMaxForwards(1));
        // the first forward waits on the silent upstream (2 s) and holds the only slot
        try (java.net.DatagramSocket first = new java.net.DatagramSocket(new InetSocketAddress(ALLOWED, 0))) {
            byte[] wire = query("slow.example.").toWire();
            first.send(new java.net.DatagramPacket(wire, wire.length, server.address()));
            org.awaitility.Awaitility.await().atMost(WAIT).until(() -> upstream.queries().size() == 1);
            long started = System.nanoTime();
            Message second = askUdp(server.address(), ALLOWED, query("other.example."), WAIT);
            assertThat(second.getRcode()).isEqualTo(Rcode.SERVFAIL);
            assertThat(Duration.ofNanos(System.nanoTime() - started)).as("answered at once, not after a timeout")
                    .isLessThan(Duration.ofMillis(1_000));
            assertThat(upstream.queries()).hasSize(1);
        }
    }
}
