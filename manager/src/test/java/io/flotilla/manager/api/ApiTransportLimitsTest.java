package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport's limits on a real server (loopback, an ephemeral port), with short times and a
 * small cap ({@link HttpServerLimits.Transport}) so each shows within seconds and a few sockets:
 * the h2 frame deadline for a later stream's head ({@link H2FrameWatch}), and the connection cap.
 * The endpoint answers every request 200 {@code ok}.
 */
class ApiTransportLimitsTest {
    private static final Duration ARRIVAL = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofSeconds(30);

    @TempDir Path tmp;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
    private final List<AutoCloseable> open = new ArrayList<>();
    private ApiTransport transport;

    private ApiTransport start(SSLContext tls, int maxConnections) throws IOException {
        transport = new ApiTransport(new InetSocketAddress("127.0.0.1", 0), tls, exchange -> {
            try (exchange) {
                exchange.respond(200, "text/plain", "ok".getBytes(StandardCharsets.US_ASCII));
            } catch (IOException gone) {
                // the client left
            }
        }, threads, new HttpServerLimits.Transport(ARRIVAL, IDLE, maxConnections));
        transport.start();
        return transport;
    }

    @AfterEach
    void stop() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
        if (transport != null) {
            transport.close();
        }
        threads.close();
    }

    // ---- h2: a later stream's head ----

    /** What a client sends for stream 3 and then stops (or trickles on). */
    private interface UnfinishedHead {
        void send(RawH2Client client, byte[] block) throws Exception;
    }

    @Test
    void aLaterStreamsHeadersWithoutEndHeadersCloseTheConnectionInTime() throws Exception {
        laterStreamsHeadNeverEnds((client, block) ->
                client.frame(RawH2Client.HEADERS, RawH2Client.END_STREAM, 3, Arrays.copyOf(block, 10)));
    }

    @Test
    void halfALaterFrameClosesTheConnectionInTime() throws Exception {
        laterStreamsHeadNeverEnds((client, block) ->
                client.raw(Arrays.copyOf(RawH2Client.frameHeader(block.length, RawH2Client.HEADERS,
                        RawH2Client.END_STREAM | RawH2Client.END_HEADERS, 3), 5)));
    }

    @Test
    void aLaterStreamsHeadTrickledInContinuationsClosesTheConnectionInTime() throws Exception {
        laterStreamsHeadNeverEnds((client, block) -> {
            client.frame(RawH2Client.HEADERS, RawH2Client.END_STREAM, 3, Arrays.copyOf(block, 4));
            // one more byte of the head every 400 ms, never the last: the connection is never idle.
            // At most 12 frames: Netty itself cuts a header block at its 16th small CONTINUATION
            for (int i = 4; i < 16 && !client.closed.isDone(); i++) {
                Thread.sleep(400);
                try {
                    client.frame(RawH2Client.CONTINUATION, 0, 3, new byte[] {block[i]});
                } catch (IOException closed) {
                    return;
                }
            }
        });
    }

    /**
     * On an h2 connection whose first stream (its head in HEADERS + CONTINUATION) was answered and
     * which then sat idle for twice the arrival time (and still answers a PING), stream 3's head
     * is begun by {@code unfinished} and never ended: the server closes the connection within the
     * arrival time — not at the idle timeout, which a client sending nothing would reach too.
     */
    private void laterStreamsHeadNeverEnds(UnfinishedHead unfinished) throws Exception {
        RawH2Client client = answeredClient();
        Thread.sleep(ARRIVAL.multipliedBy(2).toMillis()); // nothing under way: no deadline runs
        client.frame(RawH2Client.PING, 0, 0, new byte[8]);
        assertThat(client.await(RawH2Client.PING, 0).flags()).isEqualTo(RawH2Client.ACK);
        assertThat(client.closed).isNotDone();

        long start = System.nanoTime();
        Thread.ofVirtual().start(() -> {
            try {
                unfinished.send(client, client.get("/v1/services", 64));
            } catch (Exception e) {
                // the connection closed while sending
            }
        });
        long closedAt;
        try {
            closedAt = client.closed.get(ARRIVAL.plusSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new AssertionError("the connection was still open " + ARRIVAL.plusSeconds(5) + " after stream 3's "
                    + "head began (the idle timeout is " + IDLE + ")", e);
        }
        assertThat(Duration.ofNanos(closedAt - start)).isGreaterThan(ARRIVAL.minusMillis(100))
                .isLessThan(ARRIVAL.plusSeconds(2));
    }

    @Test
    void framesThatEachEndInTheNextWriteDoNotAddUpToOneDeadline() throws Exception {
        RawH2Client client = answeredClient();
        byte[] ping = new byte[9 + 8];
        System.arraycopy(RawH2Client.frameHeader(8, RawH2Client.PING, 0, 0), 0, ping, 0, 9);
        client.raw(Arrays.copyOf(ping, 5));
        // for three arrival times, every write ends one PING and begins the next: always a frame
        // under way, each for 300 ms only
        long until = System.nanoTime() + ARRIVAL.multipliedBy(3).toNanos();
        int pings = 0;
        while (System.nanoTime() - until < 0) {
            Thread.sleep(300);
            byte[] next = Arrays.copyOf(Arrays.copyOfRange(ping, 5, ping.length), ping.length);
            System.arraycopy(ping, 0, next, ping.length - 5, 5);
            client.raw(next);
            pings++;
        }
        for (int i = 0; i < pings; i++) {
            assertThat(client.await(RawH2Client.PING, 0).flags()).isEqualTo(RawH2Client.ACK);
        }
        assertThat(client.closed).isNotDone();
    }

    /**
     * An h2 connection to a server started here, past its first stream (its head in HEADERS +
     * CONTINUATION, so a block over two frames is timed right too), answered; the server's SETTINGS
     * are acknowledged by then, so nothing else writes while a test writes half a frame.
     */
    private RawH2Client answeredClient() throws Exception {
        SSLContext[] contexts = tls();
        start(contexts[0], 100);
        RawH2Client client = new RawH2Client(contexts[1], transport.address());
        open.add(client);
        byte[] first = client.get("/v1/info", 0);
        client.frame(RawH2Client.HEADERS, RawH2Client.END_STREAM, 1, Arrays.copyOf(first, 3));
        client.frame(RawH2Client.CONTINUATION, RawH2Client.END_HEADERS, 1, Arrays.copyOfRange(first, 3, first.length));
        client.await(RawH2Client.HEADERS, 1);
        client.await(RawH2Client.DATA, 1);
        client.settingsAcknowledged.get(10, TimeUnit.SECONDS);
        return client;
    }

    /** A server context (a manager's certificate of a fresh CA, for 127.0.0.1) and a client context trusting it. */
    private SSLContext[] tls() throws IOException {
        CertificateAuthority ca = CertificateAuthority.create("c1", Instant.now());
        TlsDirectory server = TlsDirectory.of(tmp.resolve("m1"));
        server.writeAuthority(ca);
        server.ensureNodeCredential(new CertificateSubject("m1", CertificateSubject.MANAGER, List.of("127.0.0.1"), null),
                Duration.ofDays(1), Instant.now());
        return new SSLContext[] {NodeTls.node(server).context(), TlsContexts.serverAuthenticated(ca.certificate())};
    }

    // ---- the connection cap ----

    @Test
    void aConnectionBeyondTheCapIsClosedAtOnceWhileTheOthersKeepWorking() throws Exception {
        start(null, 3);
        List<Socket> kept = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            kept.add(connect());
            assertThat(get(kept.get(i))).isEqualTo("HTTP/1.1 200 OK");
        }

        Socket extra = connect();
        long start = System.nanoTime();
        assertThat(closedByServer(extra)).as("the fourth connection is closed").isTrue();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("at once").isLessThan(Duration.ofSeconds(2));

        for (Socket socket : kept) {
            assertThat(get(socket)).as("the others keep working").isEqualTo("HTTP/1.1 200 OK");
        }
        // one of them leaves: its place is free again (the count drops once the server saw it close)
        kept.removeFirst().close();
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        String answer = null;
        while (answer == null && System.nanoTime() - until < 0) {
            Socket next = connect();
            try {
                answer = get(next);
            } catch (IOException closed) {
                Thread.sleep(50);
            }
        }
        assertThat(answer).isEqualTo("HTTP/1.1 200 OK");
    }

    private Socket connect() throws IOException {
        Socket socket = new Socket();
        open.add(socket);
        socket.connect(transport.address(), 5000);
        socket.setSoTimeout(5000);
        return socket;
    }

    /** A keep-alive GET; its status line, once the whole answer was read. */
    private static String get(Socket socket) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write("GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = socket.getInputStream();
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed after " + head);
            }
            head.append((char) b);
        }
        String lower = head.toString().toLowerCase(java.util.Locale.ROOT);
        int at = lower.indexOf("content-length:");
        int length = Integer.parseInt(lower.substring(at + 15, lower.indexOf("\r\n", at)).trim());
        in.readNBytes(length);
        return head.substring(0, head.indexOf("\r\n"));
    }

    /** Whether the server closes the connection (end of stream, or a reset) without answering a request. */
    private static boolean closedByServer(Socket socket) {
        try {
            socket.getOutputStream().write("GET /v1/info HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
                    .getBytes(StandardCharsets.US_ASCII));
            return socket.getInputStream().read() < 0;
        } catch (java.net.SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }
}
