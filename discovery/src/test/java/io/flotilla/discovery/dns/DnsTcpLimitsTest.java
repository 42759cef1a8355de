package io.flotilla.discovery.dns;

import static io.flotilla.discovery.dns.DnsClients.askTcp;
import static io.flotilla.discovery.dns.DnsClients.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.Rcode;

/**
 * DNS over TCP cannot be held by slow clients: a real DnsServer on 127.0.0.1 with a short
 * per-query deadline, and raw sockets that send nothing, trickle bytes, or pile up connections.
 */
class DnsTcpLimitsTest {
    private static final Duration DEADLINE = Duration.ofMillis(400);
    private DnsServer server;

    private void start(Duration idle, int maxConnections) throws IOException {
        server = DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", null, null, List.of())
                .withLimits(DnsLimits.DEFAULTS.withTcp(idle, maxConnections)), new EndpointRegistry());
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        socket.connect(server.address(), 1_000);
        return socket;
    }

    /** True if the server closed {@code socket} within {@code within}; false if it is still open then. */
    private static boolean closedWithin(Socket socket, Duration within) throws IOException {
        socket.setSoTimeout((int) within.toMillis());
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheDeadline() throws IOException {
        start(DEADLINE, 256);
        try (Socket idle = connect()) {
            long started = System.nanoTime();
            assertThat(closedWithin(idle, Duration.ofSeconds(3))).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(DEADLINE.minusMillis(50));
        }
    }

    @Test
    void aConnectionTricklingAQueryIsClosedAtTheDeadline() throws Exception {
        start(DEADLINE, 256);
        byte[] wire = query("nope.flotilla.").toWire();
        try (Socket slow = connect()) {
            OutputStream out = slow.getOutputStream();
            out.write(wire.length >>> 8);
            out.write(wire.length);
            long started = System.nanoTime();
            boolean closed = false;
            // one byte each 100 ms: every read is well within the deadline, the whole query never is
            for (int i = 0; i < wire.length && !closed; i++) {
                try {
                    out.write(wire[i]);
                    out.flush();
                } catch (SocketException e) {
                    closed = true;
                }
                closed = closed || closedWithin(slow, Duration.ofMillis(100));
            }
            assertThat(closed).isTrue();
            assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
        }
    }

    @Test
    void aQueryInTimeIsAnsweredAndTheDeadlineStartsAgainForTheNext() throws IOException {
        start(DEADLINE, 256);
        assertThat(askTcp(server.address(), "127.0.0.1", query("nope.flotilla."), Duration.ofSeconds(3)).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void oneConnectionBeyondTheCapIsClosedAtOnceAndTheOthersServed() throws IOException {
        start(Duration.ofSeconds(10), 2);
        try (Socket first = connect(); Socket second = connect(); Socket third = connect()) {
            assertThat(closedWithin(third, Duration.ofSeconds(1))).as("the connection beyond the cap").isTrue();
            assertThat(closedWithin(first, Duration.ofMillis(200))).isFalse();
            assertThat(closedWithin(second, Duration.ofMillis(200))).isFalse();
        }
        // the two are closed by the client: their places are free again
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)).untilAsserted(() ->
                assertThat(askTcp(server.address(), "127.0.0.1", query("nope.flotilla."), Duration.ofSeconds(1)).getRcode())
                        .isEqualTo(Rcode.NXDOMAIN));
    }
}
