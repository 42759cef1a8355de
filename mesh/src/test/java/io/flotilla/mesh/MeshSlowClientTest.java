package io.flotilla.mesh;

import static io.flotilla.mesh.MeshFixture.route;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.mesh.MeshRoute.Balancing;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The request head deadline (security issue 17, finding 6): a client must send a whole request
 * head within 2 s here of its accept or of the end of the previous answer; a slow head gets a 408
 * and the connection closes, while a request whose head arrived may take as long as its backend.
 */
class MeshSlowClientTest {
    private static final Duration DEADLINE = Duration.ofSeconds(2);
    /** Deadline plus the slack the brief allows for timers and scheduling. */
    private static final Duration CLOSED_WITHIN = DEADLINE.plusSeconds(2);
    private final MeshFixture fixture = new MeshFixture(MeshOptions.defaults().withIoThreads(2)
            .withConnectTimeout(Duration.ofMillis(500)).withDrainTimeout(Duration.ofSeconds(5)).withRequestHeadTimeout(DEADLINE));

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private int mesh(MeshRoute route) {
        return fixture.http(route);
    }

    @Test
    void aHeadTrickledOneLineASecondIsCutAtTheDeadline() throws Exception {
        int port = mesh(route("s", null, null, Balancing.P2C, backend()));
        try (Socket client = new Socket("127.0.0.1", port)) {
            long start = System.nanoTime();
            OutputStream out = client.getOutputStream();
            out.write("GET /t HTTP/1.1\r\nHost: t\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            AtomicBoolean stop = new AtomicBoolean();
            Thread trickle = Thread.ofVirtual().start(() -> {
                try {
                    for (int i = 0; i < 30 && !stop.get(); i++) { // never idle, so the idle timeout never fires
                        Thread.sleep(1000);
                        out.write(("X-Line-" + i + ": " + i + "\r\n").getBytes(StandardCharsets.US_ASCII));
                        out.flush();
                    }
                } catch (IOException | InterruptedException e) {
                    // the mesh closed the connection: that is the point
                }
            });
            try {
                String answer = readUntilClosed(client, CLOSED_WITHIN);
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThanOrEqualTo(CLOSED_WITHIN);
                // a header line arriving after the close may reset the connection before the 408 is read
                if (!answer.isEmpty()) {
                    assertThat(answer).startsWith("HTTP/1.1 408");
                }
            } finally {
                stop.set(true);
                trickle.interrupt();
            }
        }
    }

    @Test
    void aPartialHeadGets408ThenTheConnectionCloses() throws Exception {
        int port = mesh(route("s", null, null, Balancing.P2C, backend()));
        try (Socket client = new Socket("127.0.0.1", port)) {
            client.getOutputStream().write("GET /t HTTP/1.1\r\nHost: t\r\nX-Half".getBytes(StandardCharsets.US_ASCII));
            String answer = readUntilClosed(client, CLOSED_WITHIN);
            assertThat(answer).startsWith("HTTP/1.1 408 Request Timeout\r\n").contains("connection: close");
        }
    }

    @Test
    void aKeepAliveClientIsServedWhileOnTimeAndClosedWhenIdlePastTheDeadline() throws Exception {
        int port = mesh(route("s", null, null, Balancing.P2C, backend()));
        try (Socket silent = new Socket("127.0.0.1", port)) { // never sends a byte: closed, no answer
            assertThat(readUntilClosed(silent, CLOSED_WITHIN)).isEmpty();
        }
        try (Socket client = new Socket("127.0.0.1", port)) {
            long start = System.nanoTime();
            for (int i = 0; i < 3; i++) { // 3.6 s in all, past one deadline: each answer's end re-arms it
                client.getOutputStream().write(("GET /r" + i + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(client.getInputStream())).startsWith("HTTP/1.1 200").endsWith("a /r" + i);
                Thread.sleep(1200);
            }
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(DEADLINE);
            long idleSince = System.nanoTime();
            assertThat(readUntilClosed(client, CLOSED_WITHIN)).isEmpty(); // keep-alive idle: closed without a 408
            assertThat(Duration.ofNanos(System.nanoTime() - idleSince)).isGreaterThan(Duration.ofMillis(500));
        }
    }

    @Test
    void aRequestWhoseHeadArrivedIsNotCutBySlowHeadersOrALongAnswer() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            Thread server = Thread.ofVirtual().start(() -> serveSlowly(backend));
            int port = mesh(new MeshRoute("s", null, null, Balancing.P2C,
                    List.of(new MeshBackend("slow", "127.0.0.1", backend.getLocalPort()))));
            try (Socket client = new Socket("127.0.0.1", port)) {
                long start = System.nanoTime();
                client.getOutputStream().write("GET /slow HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                InputStream in = client.getInputStream();
                assertThat(MeshFixture.readHead(in)).startsWith("HTTP/1.1 200").containsIgnoringCase("transfer-encoding: chunked");
                assertThat(readChunked(in)).isEqualTo("part0\npart1\npart2\npart3\npart4\npart5\npart6\npart7\n");
                assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThan(DEADLINE.multipliedBy(2));
                // the deadline counts from the answer's end, not from the request's head
                client.getOutputStream().write("GET /quick HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                assertThat(readResponse(in)).startsWith("HTTP/1.1 200").endsWith("ok");
            } finally {
                server.interrupt();
            }
        }
    }

    private TestBackend backend() {
        return fixture.backend("a");
    }

    /**
     * A backend that takes 2.5 s to send the headers of {@code /slow}, then sends 8 chunks 300 ms
     * apart; anything else gets "ok" at once. Keep-alive, one thread per connection.
     */
    private static void serveSlowly(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (socket) {
                        InputStream in = socket.getInputStream();
                        OutputStream out = socket.getOutputStream();
                        while (true) {
                            String head = MeshFixture.readHead(in);
                            if (!head.startsWith("GET /slow ")) {
                                out.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                                continue;
                            }
                            Thread.sleep(2500);
                            out.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                            for (int i = 0; i < 8; i++) {
                                out.write(("6\r\npart" + i + "\n\r\n").getBytes(StandardCharsets.US_ASCII));
                                out.flush();
                                Thread.sleep(300);
                            }
                            out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                        }
                    } catch (IOException | InterruptedException e) {
                        // connection or test over
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }

    /**
     * Everything the mesh sends until it closes the connection (EOF or reset), failing if it is
     * still open after {@code limit}.
     */
    static String readUntilClosed(Socket socket, Duration limit) throws IOException {
        long end = System.nanoTime() + limit.toNanos();
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        while (true) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("connection still open after " + limit + "; got: " + got);
            }
            socket.setSoTimeout((int) Math.max(1, left / 1_000_000));
            try {
                int n = in.read(buffer);
                if (n < 0) {
                    return got.toString(StandardCharsets.ISO_8859_1);
                }
                got.write(buffer, 0, n);
            } catch (SocketTimeoutException e) {
                throw new AssertionError("connection still open after " + limit + "; got: " + got);
            } catch (SocketException e) { // reset: closed too
                return got.toString(StandardCharsets.ISO_8859_1);
            }
        }
    }

    /** A response with a Content-Length: head and body. */
    static String readResponse(InputStream in) throws IOException {
        String head = MeshFixture.readHead(in);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** A chunked body, up to and including its last chunk and the empty trailer. */
    private static String readChunked(InputStream in) throws IOException {
        StringBuilder body = new StringBuilder();
        while (true) {
            int size = Integer.parseInt(readLine(in).strip(), 16);
            if (size == 0) {
                readLine(in);
                return body.toString();
            }
            body.append(new String(in.readNBytes(size), StandardCharsets.UTF_8));
            readLine(in);
        }
    }

    private static String readLine(InputStream in) throws IOException {
        StringBuilder line = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("closed mid-line: " + line);
            }
            line.append((char) b);
        }
        return line.toString();
    }
}
