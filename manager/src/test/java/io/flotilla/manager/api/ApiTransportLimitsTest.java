package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The transport's limits on a real server (loopback, an ephemeral port), with short times and a
 * small cap ({@link HttpServerLimits.Transport}) so each shows within seconds and a few sockets:
 * the connection cap. The endpoint answers every request 200 {@code ok}.
 */
class ApiTransportLimitsTest {
    private static final Duration ARRIVAL = Duration.ofSeconds(1);
    private static final Duration IDLE = Duration.ofSeconds(30);

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
