package io.flotilla.mesh;

import static io.flotilla.mesh.MeshFixture.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.mesh.MeshRoute.Balancing;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A hung backend gets a 504, idle connections on both sides close, and every mesh socket probes with TCP keep-alive. */
class MeshTimeoutTest {
    private MeshFixture fixture;

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private static MeshOptions options() {
        return MeshOptions.defaults().withIoThreads(2).withConnectTimeout(Duration.ofMillis(500)).withDrainTimeout(Duration.ofSeconds(5));
    }

    @Test
    void backendThatDoesNotAnswerGets504AfterTheResponseTimeout() {
        fixture = new MeshFixture(options().withResponseTimeout(Duration.ofMillis(300)));
        TestBackend hung = fixture.backend("hung");
        CountDownLatch release = new CountDownLatch(1);
        hung.hold = release;
        int port = fixture.http(route("s", null, null, Balancing.P2C, hung));
        long start = System.nanoTime();
        HttpResponse<String> response = fixture.get(port, "/slow");
        long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
        assertThat(response.statusCode()).isEqualTo(504);
        assertThat(response.body()).contains("did not answer within");
        assertThat(elapsedMillis).isBetween(250L, 5_000L);
        assertThat(fixture.registry.scrape()).contains("flotilla_mesh_timeouts_total{service=\"s\"} 1.0");
        release.countDown();
        hung.hold = null;
        assertThat(fixture.get(port, "/after").statusCode()).isEqualTo(200);
    }

    @Test
    void idleClientConnectionsCloseButAWaitingRequestDoesNot() throws Exception {
        fixture = new MeshFixture(options().withIdleTimeout(Duration.ofMillis(300)));
        TestBackend slow = fixture.backend("slow");
        int port = fixture.http(route("s", null, null, Balancing.P2C, slow));
        try (Socket silent = new Socket("127.0.0.1", port)) { // never sends a byte
            assertClosedWithin(silent, Duration.ofSeconds(3));
        }
        try (Socket client = new Socket("127.0.0.1", port)) { // one request, then quiet
            client.getOutputStream().write("GET /one HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            assertThat(readResponse(client.getInputStream())).endsWith("slow /one");
            assertClosedWithin(client, Duration.ofSeconds(3));
        }
        // waiting 1 s for response headers is longer than the idle timeout, and fine
        CountDownLatch release = new CountDownLatch(1);
        slow.hold = release;
        CompletableFuture.delayedExecutor(1, TimeUnit.SECONDS).execute(release::countDown);
        HttpResponse<String> waited = fixture.get(port, "/waited");
        assertThat(waited.statusCode()).isEqualTo(200);
        assertThat(waited.body()).isEqualTo("slow /waited");
    }

    @Test
    void idlePooledBackendConnectionsClose() throws Exception {
        fixture = new MeshFixture(options().withIdleTimeout(Duration.ofMillis(300)));
        try (ServerSocket backend = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            int port = fixture.http(new MeshRoute("s", null, null, Balancing.P2C,
                    List.of(new MeshBackend("raw", "127.0.0.1", backend.getLocalPort()))));
            CompletableFuture<HttpResponse<String>> response = CompletableFuture.supplyAsync(() -> fixture.get(port, "/"));
            try (Socket pooled = backend.accept()) {
                MeshFixture.readHead(pooled.getInputStream());
                pooled.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".getBytes(StandardCharsets.US_ASCII));
                assertThat(response.get(5, TimeUnit.SECONDS).body()).isEqualTo("ok");
                assertClosedWithin(pooled, Duration.ofSeconds(3)); // kept in the pool, then closed by the mesh
            }
        }
    }

    @Test
    void meshSocketsProbeWithTcpKeepAlive() throws Exception {
        fixture = new MeshFixture(options());
        TestBackend a = fixture.backend("a");
        int httpPort = fixture.http(route("s", null, null, Balancing.P2C, a));
        try (Socket client = new Socket("127.0.0.1", httpPort)) {
            client.getOutputStream().write("GET / HTTP/1.1\r\nHost: t\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            readResponse(client.getInputStream());
            // the connection the mesh accepted, and the pooled one it made to the backend
            assertThat(ss("sport = :" + httpPort)).contains("timer:(keepalive,");
            assertThat(ss("dport = :" + a.port())).contains("timer:(keepalive,");
        }
    }

    /** {@code ss} lists the kernel's timer per socket: "timer:(keepalive,59sec,0)" when SO_KEEPALIVE is on. */
    private static String ss(String filter) throws Exception {
        Process process = new ProcessBuilder("ss", "-tnoH", "state", "established", "( " + filter + " )")
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as("ss: %s", out).isZero();
        assertThat(out).as("ss found no socket for %s", filter).isNotBlank();
        return out;
    }

    private static void assertClosedWithin(Socket socket, Duration limit) throws IOException {
        socket.setSoTimeout((int) limit.toMillis());
        try {
            assertThat(socket.getInputStream().read()).as("the mesh closed the connection").isEqualTo(-1);
        } catch (SocketTimeoutException e) {
            throw new AssertionError("connection still open after " + limit);
        }
    }

    /** A response with a Content-Length: head and body. */
    private static String readResponse(InputStream in) throws IOException {
        String head = MeshFixture.readHead(in);
        int length = 0;
        for (String line : head.split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }
}
