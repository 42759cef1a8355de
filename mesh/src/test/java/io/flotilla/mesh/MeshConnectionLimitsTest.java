package io.flotilla.mesh;

import static io.flotilla.mesh.MeshFixture.route;
import static io.flotilla.mesh.MeshSlowClientTest.readResponse;
import static io.flotilla.mesh.MeshSlowClientTest.readUntilClosed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.mesh.MeshRoute.Balancing;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Per-listener connection caps, HTTP and TCP, and the h2 limits a client is told in SETTINGS
 * (security issue 17, finding 6).
 */
class MeshConnectionLimitsTest {
    private static final Duration AT_ONCE = Duration.ofSeconds(1);
    private final MeshFixture fixture = new MeshFixture(MeshOptions.defaults().withIoThreads(2)
            .withConnectTimeout(Duration.ofMillis(500)).withDrainTimeout(Duration.ofSeconds(5))
            .withRequestHeadTimeout(Duration.ofSeconds(2)).withMaxConnections(3));
    private final List<Socket> sockets = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (Socket socket : sockets) {
            socket.close();
        }
        fixture.close();
    }

    private Socket connect(int port) throws IOException {
        Socket socket = new Socket("127.0.0.1", port);
        sockets.add(socket);
        return socket;
    }

    private static String get(Socket socket, String path) throws IOException {
        socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        return readResponse(socket.getInputStream());
    }

    @Test
    void anHttpConnectionBeyondTheCapIsClosedAtOnceWhileTheFirstThreeAreServed() throws Exception {
        int port = fixture.http(route("s", null, null, Balancing.P2C, fixture.backend("a")));
        List<Socket> first = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            Socket socket = connect(port);
            assertThat(get(socket, "/" + i)).startsWith("HTTP/1.1 200").endsWith("a /" + i); // admitted before the next
            first.add(socket);
        }
        Socket fourth = connect(port);
        long start = System.nanoTime();
        assertThat(readUntilClosed(fourth, AT_ONCE)).isEmpty();
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(AT_ONCE);
        for (Socket socket : first) {
            assertThat(get(socket, "/again")).startsWith("HTTP/1.1 200");
        }
        assertThat(fixture.registry.scrape()).contains("flotilla_mesh_connections_refused_total 1.0");
        first.get(0).close(); // a freed place is taken again
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            try (Socket next = new Socket("127.0.0.1", port)) {
                assertThat(get(next, "/next")).startsWith("HTTP/1.1 200");
            }
        });
    }

    @Test
    void aTcpListenerHasTheCapButNoHeadDeadline() throws Exception {
        try (ServerSocket backend = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
            Thread echo = Thread.ofVirtual().start(() -> echoLines(backend));
            fixture.mesh.apply(new MeshTable(List.of(new MeshListener("127.0.0.1", 0, MeshListener.Protocol.TCP, null, false,
                    List.of(new MeshRoute("db", null, null, Balancing.ROUND_ROBIN,
                            List.of(new MeshBackend("db1", "127.0.0.1", backend.getLocalPort()))))))));
            int port = fixture.port();
            try {
                List<Socket> first = new ArrayList<>();
                for (int i = 0; i < 3; i++) {
                    Socket socket = connect(port);
                    assertThat(echo(socket, "hello " + i)).isEqualTo("hello " + i);
                    first.add(socket);
                }
                assertThat(readUntilClosed(connect(port), AT_ONCE)).isEmpty();
                Thread.sleep(2500); // quiet past the HTTP head deadline: a TCP session may be
                for (Socket socket : first) {
                    assertThat(echo(socket, "still here")).isEqualTo("still here");
                }
            } finally {
                echo.interrupt();
            }
        }
    }

    @Test
    void h2AdvertisesItsStreamAndHeaderListLimits() throws Exception {
        int port = fixture.http(route("s", null, null, Balancing.P2C, fixture.backend("a")));
        try (Socket client = connect(port)) {
            OutputStream out = client.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(new byte[] {0, 0, 0, 4, 0, 0, 0, 0, 0}); // an empty SETTINGS frame
            out.flush();
            client.setSoTimeout(5000);
            Map<Integer, Long> settings = serverSettings(new DataInputStream(client.getInputStream()));
            assertThat(settings).containsEntry(0x3, 128L) // SETTINGS_MAX_CONCURRENT_STREAMS
                    .containsEntry(0x6, 8192L); // SETTINGS_MAX_HEADER_LIST_SIZE
        }
    }

    /** The parameters of the server's first SETTINGS frame that is not an ACK (RFC 9113, 6.5). */
    private static Map<Integer, Long> serverSettings(DataInputStream in) throws IOException {
        while (true) {
            int length = (in.readUnsignedShort() << 8) | in.readUnsignedByte();
            int type = in.readUnsignedByte();
            int flags = in.readUnsignedByte();
            in.readInt(); // stream id
            byte[] payload = in.readNBytes(length);
            if (type != 4 || (flags & 1) != 0) {
                continue;
            }
            Map<Integer, Long> settings = new HashMap<>();
            for (int i = 0; i + 6 <= payload.length; i += 6) {
                int id = ((payload[i] & 0xff) << 8) | (payload[i + 1] & 0xff);
                long value = ((payload[i + 2] & 0xffL) << 24) | ((payload[i + 3] & 0xffL) << 16)
                        | ((payload[i + 4] & 0xffL) << 8) | (payload[i + 5] & 0xffL);
                settings.put(id, value);
            }
            return settings;
        }
    }

    private static String echo(Socket socket, String line) throws IOException {
        socket.getOutputStream().write((line + "\n").getBytes(StandardCharsets.UTF_8));
        InputStream in = socket.getInputStream();
        StringBuilder got = new StringBuilder();
        for (int b; (b = in.read()) != '\n'; ) {
            if (b < 0) {
                throw new IOException("closed; got: " + got);
            }
            got.append((char) b);
        }
        return got.toString();
    }

    /** Echoes every line back, one thread per connection. */
    private static void echoLines(ServerSocket server) {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread.ofVirtual().start(() -> {
                    try (socket) {
                        InputStream in = socket.getInputStream();
                        OutputStream out = socket.getOutputStream();
                        for (int b; (b = in.read()) >= 0; ) {
                            out.write(b);
                            if (b == '\n') {
                                out.flush();
                            }
                        }
                    } catch (IOException e) {
                        // connection over
                    }
                });
            } catch (IOException e) {
                return;
            }
        }
    }
}
