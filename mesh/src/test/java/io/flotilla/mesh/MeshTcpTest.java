package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** L4 forwarding with real sockets: both directions, half-close, PROXY v2, retry on connect failure, bind errors. */
class MeshTcpTest {
    private final MeshFixture fixture = new MeshFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private int tcp(boolean proxyProtocol, MeshBackend... backends) {
        fixture.mesh.apply(new MeshTable(List.of(new MeshListener("127.0.0.1", 0, MeshListener.Protocol.TCP, null, proxyProtocol,
                List.of(new MeshRoute("db_pg", null, null, MeshRoute.Balancing.ROUND_ROBIN, List.of(backends)))))));
        return fixture.port();
    }

    /** A backend that reads until FIN, then answers "got:" + what it read and closes. */
    private static CompletableFuture<byte[]> echoAfterFin(ServerSocket server, boolean readProxyHeader) {
        return CompletableFuture.supplyAsync(() -> {
            try (Socket socket = server.accept()) {
                InputStream in = socket.getInputStream();
                byte[] header = new byte[0];
                if (readProxyHeader) {
                    DataInputStream data = new DataInputStream(in);
                    byte[] fixed = new byte[16];
                    data.readFully(fixed);
                    byte[] rest = new byte[((fixed[14] & 0xff) << 8) | (fixed[15] & 0xff)];
                    data.readFully(rest);
                    header = java.nio.ByteBuffer.allocate(16 + rest.length).put(fixed).put(rest).array();
                }
                byte[] body = in.readAllBytes(); // returns only at the client's FIN (half-close passed on)
                socket.getOutputStream().write(("got:" + new String(body, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
                socket.shutdownOutput();
                return header;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @Test
    void forwardsBothWaysAndPassesHalfCloseOn() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            var backend = echoAfterFin(server, false);
            int port = tcp(false, new MeshBackend("t1", "127.0.0.1", server.getLocalPort()));
            try (Socket client = new Socket("127.0.0.1", port)) {
                byte[] big = "x".repeat(300_000).getBytes(StandardCharsets.UTF_8);
                client.getOutputStream().write("hello ".getBytes(StandardCharsets.UTF_8));
                client.getOutputStream().write(big);
                client.shutdownOutput(); // half-close: the answer must still come back
                String answer = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertThat(answer).startsWith("got:hello xxx").hasSize(4 + 6 + big.length);
            }
            backend.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void connectsFromTheBackendsSourceAddressWhenItHasOne() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getByName("127.0.0.1"))) {
            CompletableFuture<String> seen = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    return socket.getInetAddress().getHostAddress();
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            int port = tcp(false, new MeshBackend("t1", "127.0.0.1", server.getLocalPort(), "127.0.0.93"));
            try (Socket client = new Socket("127.0.0.1", port)) {
                assertThat(seen.get(5, TimeUnit.SECONDS)).isEqualTo("127.0.0.93");
            }
        }
    }

    @Test
    void sendsProxyProtocolV2Header() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            var backend = echoAfterFin(server, true);
            int port = tcp(true, new MeshBackend("t1", "127.0.0.1", server.getLocalPort()));
            try (Socket client = new Socket("127.0.0.1", port)) {
                client.getOutputStream().write("hi".getBytes(StandardCharsets.UTF_8));
                client.shutdownOutput();
                assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("got:hi");
                byte[] header = backend.get(5, TimeUnit.SECONDS);
                byte[] signature = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};
                assertThat(java.util.Arrays.copyOf(header, 12)).isEqualTo(signature);
                assertThat(header[12]).isEqualTo((byte) 0x21); // v2, PROXY
                assertThat(header[13]).isEqualTo((byte) 0x11); // TCP over IPv4
                assertThat(java.util.Arrays.copyOfRange(header, 16, 20)).isEqualTo(new byte[] {127, 0, 0, 1}); // source
                assertThat(java.util.Arrays.copyOfRange(header, 20, 24)).isEqualTo(new byte[] {127, 0, 0, 1}); // destination
                int sourcePort = ((header[24] & 0xff) << 8) | (header[25] & 0xff);
                int destinationPort = ((header[26] & 0xff) << 8) | (header[27] & 0xff);
                assertThat(sourcePort).isEqualTo(client.getLocalPort());
                assertThat(destinationPort).isEqualTo(port);
            }
        }
    }

    @Test
    void connectFailureMovesOnToTheNextBackend() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            var backend = echoAfterFin(server, false);
            int port = tcp(false, new MeshBackend("dead", "127.0.0.1", MeshFixture.deadPort()),
                    new MeshBackend("live", "127.0.0.1", server.getLocalPort()));
            try (Socket client = new Socket("127.0.0.1", port)) {
                client.getOutputStream().write("a".getBytes(StandardCharsets.UTF_8));
                client.shutdownOutput();
                assertThat(new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("got:a");
            }
            backend.get(5, TimeUnit.SECONDS);
        }
    }

    @Test
    void aListenerThatCannotBindIsReportedAndTheOthersRun() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            MeshRoute route = new MeshRoute("s", null, null, null, List.of());
            MeshListener good = new MeshListener("127.0.0.1", 0, MeshListener.Protocol.HTTP, null, false, List.of(route));
            MeshListener bad = new MeshListener("127.0.0.1", taken.getLocalPort(), MeshListener.Protocol.HTTP, null, false, List.of(route));
            assertThatThrownBy(() -> fixture.mesh.apply(new MeshTable(List.of(good, bad))))
                    .isInstanceOf(MeshBindException.class)
                    .hasMessageContaining("127.0.0.1:" + taken.getLocalPort());
            assertThat(fixture.mesh.boundAddresses()).hasSize(1);
            assertThat(fixture.get(fixture.port(), "/").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void badTablesAreRefused() {
        MeshRoute route = new MeshRoute("s", null, null, null, List.of());
        assertThatThrownBy(() -> new MeshListener("127.0.0.1", 80, MeshListener.Protocol.TCP, null, false, List.of(route, route)))
                .hasMessageContaining("exactly one route");
        assertThatThrownBy(() -> new MeshRoute("s", null, "api", null, List.of())).hasMessageContaining("must start with '/'");
        MeshListener listener = new MeshListener("127.0.0.1", 80, MeshListener.Protocol.HTTP, null, false, List.of(route));
        assertThatThrownBy(() -> new MeshTable(List.of(listener, listener))).hasMessageContaining("two listeners");
    }
}
