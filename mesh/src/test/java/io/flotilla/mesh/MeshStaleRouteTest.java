package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A node's table that lags behind the cluster: every backend it lists refuses (their tasks are
 * gone). A request waits for the newer table ({@link RouteRefresh}) instead of failing, over HTTP
 * and TCP; with no newer table it fails as before, after the wait.
 */
class MeshStaleRouteTest {
    private final MeshFixture fixture = new MeshFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    private static List<MeshBackend> gone(int count) {
        return java.util.stream.IntStream.range(0, count)
                .mapToObj(i -> new MeshBackend("gone" + i, "127.0.0.1", MeshFixture.deadPort())).toList();
    }

    private MeshTable table(MeshListener.Protocol protocol, List<MeshBackend> backends) {
        return new MeshTable(List.of(new MeshListener("127.0.0.1", 0, protocol, null, false,
                List.of(new MeshRoute("web", null, null, MeshRoute.Balancing.ROUND_ROBIN, backends)))));
    }

    /**
     * Applies {@code later} to the mesh after {@code millis}, from a thread of its own (the common
     * pool has one worker on a 2-core machine, and a test backend may hold it).
     */
    private CompletableFuture<Void> applyLater(MeshTable later, long millis) {
        CompletableFuture<Void> applied = new CompletableFuture<>();
        Thread.ofPlatform().daemon().start(() -> {
            try {
                Thread.sleep(millis);
                fixture.mesh.apply(later);
                applied.complete(null);
            } catch (Throwable e) {
                applied.completeExceptionally(e);
            }
        });
        return applied;
    }

    @Test
    void aRequestThatEveryListedBackendRefusedGoesToTheNewerTable() {
        TestBackend fresh = fixture.backend("fresh");
        fixture.mesh.apply(table(MeshListener.Protocol.HTTP, gone(3)));
        int port = fixture.port();
        CompletableFuture<Void> update = applyLater(table(MeshListener.Protocol.HTTP, List.of(fresh.backend())), 400);

        HttpResponse<String> get = fixture.get(port, "/g");

        update.join();
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("fresh /g");
        // no byte reached a refusing backend, so a POST goes on too
        fixture.mesh.apply(table(MeshListener.Protocol.HTTP, gone(2)));
        update = applyLater(table(MeshListener.Protocol.HTTP, List.of(fresh.backend())), 300);
        HttpResponse<String> post = fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/p"))
                .POST(HttpRequest.BodyPublishers.ofString("x")));
        update.join();
        assertThat(post.statusCode()).isEqualTo(200);
    }

    @Test
    void aRetryThatEveryOtherListedBackendRefusedGoesToTheNewerTable() {
        TestBackend stopping = fixture.backend("stopping");
        stopping.status = 503; // takes the request and fails it: the GET has its one retry left
        TestBackend fresh = fixture.backend("fresh");
        List<MeshBackend> listed = new java.util.ArrayList<>(List.of(stopping.backend()));
        listed.addAll(gone(2));
        fixture.mesh.apply(new MeshTable(List.of(new MeshListener("127.0.0.1", 0, MeshListener.Protocol.HTTP, null, false,
                List.of(new MeshRoute("web", null, null, MeshRoute.Balancing.ROUND_ROBIN, listed))))));
        int port = fixture.port();
        CompletableFuture<Void> update = applyLater(table(MeshListener.Protocol.HTTP, List.of(fresh.backend())), 400);

        HttpResponse<String> get = fixture.get(port, "/r");

        update.join();
        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("fresh /r");
        assertThat(stopping.methods).contains("GET /r");
    }

    @Test
    void withNoNewerTableTheRequestFailsAfterTheWait() {
        fixture.mesh.apply(table(MeshListener.Protocol.HTTP, gone(2)));
        int port = fixture.port();
        assertThat(fixture.get(port, "/warm").statusCode()).isEqualTo(502); // the first request also loads classes

        long start = System.nanoTime();
        HttpResponse<String> response = fixture.get(port, "/g");
        long tookMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);

        assertThat(response.statusCode()).isEqualTo(502);
        assertThat(response.body()).contains("no backend of web answered (2 tried)");
        long waitMillis = TimeUnit.NANOSECONDS.toMillis(RouteRefresh.WAIT_NANOS);
        assertThat(tookMillis).isGreaterThanOrEqualTo(waitMillis); // an upper bound would be a speed claim
    }

    @Test
    void aTcpConnectionThatEveryListedBackendRefusedGoesToTheNewerTable() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 5, InetAddress.getLoopbackAddress())) {
            CompletableFuture<String> echoed = CompletableFuture.supplyAsync(() -> {
                try (Socket socket = server.accept()) {
                    byte[] got = socket.getInputStream().readNBytes(4);
                    socket.getOutputStream().write(got);
                    return new String(got, StandardCharsets.UTF_8);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            fixture.mesh.apply(table(MeshListener.Protocol.TCP, gone(3)));
            int port = fixture.port();
            CompletableFuture<Void> update = applyLater(
                    table(MeshListener.Protocol.TCP, List.of(new MeshBackend("fresh", "127.0.0.1", server.getLocalPort()))), 400);

            try (Socket client = new Socket(InetAddress.getLoopbackAddress(), port)) {
                client.setSoTimeout(10_000);
                OutputStream out = client.getOutputStream();
                out.write("ping".getBytes(StandardCharsets.UTF_8));
                InputStream in = client.getInputStream();
                assertThat(new String(in.readNBytes(4), StandardCharsets.UTF_8)).isEqualTo("ping");
            }
            assertThat(echoed.get(10, TimeUnit.SECONDS)).isEqualTo("ping");
            update.join();
        }
    }

    /**
     * A node still catching up (a manager back from a partition) holds the request past the usual
     * wait, until its newer table comes; the catch-up is asked once for requests that wait together.
     */
    @Test
    void aNodeStillCatchingUpHoldsTheRequestUntilItsNewerTable() {
        TestBackend fresh = fixture.backend("fresh");
        java.util.concurrent.atomic.AtomicInteger asked = new java.util.concurrent.atomic.AtomicInteger();
        CompletableFuture<Void> caughtUp = new CompletableFuture<>();
        fixture.mesh.catchUpWith(() -> {
            asked.incrementAndGet();
            return caughtUp;
        });
        fixture.mesh.apply(table(MeshListener.Protocol.HTTP, gone(2)));
        int port = fixture.port();
        long pastUsualMillis = TimeUnit.NANOSECONDS.toMillis(RouteRefresh.WAIT_NANOS) + 600;
        applyLater(table(MeshListener.Protocol.HTTP, List.of(fresh.backend())), pastUsualMillis)
                .whenComplete((applied, failure) -> caughtUp.complete(null)); // caught up: the newer table is in

        HttpResponse<String> get = fixture.get(port, "/late");

        assertThat(get.statusCode()).isEqualTo(200);
        assertThat(get.body()).isEqualTo("fresh /late");
        assertThat(asked).hasValue(1);
    }
}
