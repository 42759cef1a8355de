package io.flotilla.mesh;

import static io.flotilla.mesh.MeshFixture.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.mesh.MeshRoute.Balancing;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The HTTP proxy end to end: real JDK client, real mesh on loopback, real JDK HttpServer backends. */
class MeshHttpTest {
    private MeshFixture fixture = new MeshFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void keepAliveConnectionIsBalancedPerRequest() {
        TestBackend a = fixture.backend("a");
        TestBackend b = fixture.backend("b");
        int port = fixture.http(route("shop_web", null, null, Balancing.ROUND_ROBIN, a, b));
        List<String> bodies = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = fixture.get(port, "/x");
            assertThat(response.statusCode()).isEqualTo(200);
            bodies.add(response.body());
        }
        assertThat(bodies).containsOnly("a /x", "b /x");
        assertThat(a.requests.get()).isEqualTo(3);
        assertThat(b.requests.get()).isEqualTo(3);
        // one client connection carried all six requests
        HttpResponse<String> last = fixture.get(port, "/x");
        assertThat(last.headers().firstValue("connection")).isNotEqualTo(java.util.Optional.of("close"));
    }

    @Test
    void routesByHostAndLongestPathPrefixAndAnswers404() {
        TestBackend api = fixture.backend("api");
        TestBackend web = fixture.backend("web");
        TestBackend any = fixture.backend("any");
        TestBackend wildcard = fixture.backend("wild");
        int port = fixture.http(
                route("s_web", "shop.example.com", "/", Balancing.P2C, web),
                route("s_api", "shop.example.com", "/api", Balancing.P2C, api),
                route("s_wild", "*.example.org", "/", Balancing.P2C, wildcard),
                route("s_any", null, "/static", Balancing.P2C, any));
        assertThat(get(port, "Shop.Example.com:8080", "/api/orders?x=1").body()).isEqualTo("api /api/orders");
        assertThat(get(port, "shop.example.com", "/apix").body()).isEqualTo("web /apix");
        assertThat(get(port, "shop.example.com", "/").body()).isEqualTo("web /");
        assertThat(get(port, "a.b.example.org", "/z").body()).isEqualTo("wild /z");
        assertThat(get(port, "other.test", "/static/app.js").body()).isEqualTo("any /static/app.js");
        HttpResponse<String> missing = get(port, "other.test", "/nothing");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(missing.body()).contains("other.test").contains("/nothing");
    }

    private HttpResponse<String> get(int port, String host, String path) {
        // the JDK client refuses to set Host; a raw request on a socket does it
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n").getBytes());
            String raw = new String(socket.getInputStream().readAllBytes());
            int status = Integer.parseInt(raw.substring(9, 12));
            String body = raw.substring(raw.indexOf("\r\n\r\n") + 4).strip();
            return new RawResponse(status, body);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void noBackendIs503() {
        int port = fixture.http(new MeshRoute("s_empty", null, null, Balancing.P2C, List.of()));
        HttpResponse<String> response = fixture.get(port, "/");
        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.body()).contains("s_empty");
    }

    /** A listener is the cluster's edge: the client's own forwarding headers are replaced, never kept (issue 17). */
    @Test
    void forwardsOnlyTheRealClientAddress() {
        TestBackend a = fixture.backend("a");
        int port = fixture.http(route("s", null, null, Balancing.P2C, a));
        fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/h"))
                .header("X-Forwarded-For", "6.6.6.6")
                .header("X-Forwarded-Proto", "https")
                .header("X-Forwarded-Host", "bank.example")
                .header("X-Real-IP", "6.6.6.6")
                .header("Forwarded", "for=6.6.6.6;proto=https"));
        var headers = a.headers.get(0);
        assertThat(headers.get("X-Forwarded-For")).containsExactly("127.0.0.1");
        assertThat(headers.get("X-Real-IP")).containsExactly("127.0.0.1");
        assertThat(headers.get("X-Forwarded-Proto")).containsExactly("http");
        assertThat(headers.get("X-Forwarded-Host")).containsExactly("127.0.0.1:" + port);
        assertThat(headers.get("Forwarded")).containsExactly("for=127.0.0.1;proto=http;host=\"127.0.0.1:" + port + "\"");
    }

    @Test
    void connectFailureIsRetriedOnAnotherBackend() {
        TestBackend good = fixture.backend("good");
        MeshRoute route = new MeshRoute("s", null, null, Balancing.ROUND_ROBIN,
                List.of(new MeshBackend("dead", "127.0.0.1", MeshFixture.deadPort()), good.backend()));
        int port = fixture.http(route);
        for (int i = 0; i < 6; i++) {
            HttpResponse<String> response = fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/p"))
                    .POST(HttpRequest.BodyPublishers.ofString("order")));
            assertThat(response.statusCode()).isEqualTo(200);
        }
        assertThat(good.requests.get()).isEqualTo(6);
    }

    @Test
    void backendsThatRefuseTheConnectionCountAgainstNoAttemptLimit() throws Exception {
        TestBackend good = fixture.backend("good");
        List<MeshBackend> backends = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            try (ServerSocket gone = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                backends.add(new MeshBackend("gone" + i, "127.0.0.1", gone.getLocalPort())); // closed: refuses
            }
        }
        backends.add(good.backend()); // tried fourth: round robin over the untried ones from the first
        int port = fixture.http(new MeshRoute("s", null, null, Balancing.ROUND_ROBIN, backends));

        HttpResponse<String> response = fixture.get(port, "/g");

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("good /g");
    }

    @Test
    void idempotentRequestIsRetriedOnce503ButPostIsNot() {
        TestBackend dying = fixture.backend("dying");
        dying.status = 503;
        TestBackend good = fixture.backend("good");
        int port = fixture.http(route("s", null, null, Balancing.ROUND_ROBIN, dying, good));
        for (int i = 0; i < 4; i++) {
            assertThat(fixture.get(port, "/g").statusCode()).isEqualTo(200);
        }
        assertThat(dying.methods).contains("GET /g");
        Set<Integer> postStatuses = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            postStatuses.add(fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/p"))
                    .POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode());
        }
        assertThat(postStatuses).containsExactlyInAnyOrder(200, 503);
    }

    @Test
    void idempotentRequestIsRetriedAfterResetButPostGets502() throws Exception {
        TestBackend good = fixture.backend("good");
        try (ServerSocket resetting = rawBackend(socket -> {
            socket.getInputStream().read(new byte[8192]);
            socket.setSoLinger(true, 0); // RST before any response byte
        })) {
            MeshRoute route = new MeshRoute("s", null, null, Balancing.ROUND_ROBIN,
                    List.of(new MeshBackend("reset", "127.0.0.1", resetting.getLocalPort()), good.backend()));
            int port = fixture.http(route);
            for (int i = 0; i < 4; i++) {
                assertThat(fixture.get(port, "/g").statusCode()).isEqualTo(200);
            }
            Set<Integer> postStatuses = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                postStatuses.add(fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/p"))
                        .POST(HttpRequest.BodyPublishers.ofString("x"))).statusCode());
            }
            assertThat(postStatuses).containsExactlyInAnyOrder(200, 502);
        }
    }

    @Test
    void aSmallResponseCutOffAfterItsHeadersIsRetriedElsewhereForAnIdempotentRequest() throws Exception {
        TestBackend good = fixture.backend("good");
        try (ServerSocket cutting = rawBackend(socket -> {
            socket.getInputStream().read(new byte[8192]);
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc".getBytes());
            Thread.sleep(50); // the head and a third of the body are out: the host dies
            socket.setSoLinger(true, 0);
        })) {
            MeshRoute route = new MeshRoute("s", null, null, Balancing.ROUND_ROBIN,
                    List.of(new MeshBackend("cut", "127.0.0.1", cutting.getLocalPort()), good.backend()));
            int port = fixture.http(route);
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> response = fixture.get(port, "/g");
                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(response.body()).isEqualTo("good /g");
            }
        }
    }

    @Test
    void reusedConnectionsThatFailBeforeAnAnswerDoNotSpendTheRetry() throws Exception {
        TestBackend good = fixture.backend("good");
        try (ServerSocket first = oneAnswerPerConnection(); ServerSocket second = oneAnswerPerConnection()) {
            MeshRoute route = new MeshRoute("s", null, null, Balancing.ROUND_ROBIN, List.of(
                    new MeshBackend("a", "127.0.0.1", first.getLocalPort()),
                    new MeshBackend("b", "127.0.0.1", second.getLocalPort()), good.backend()));
            int port = fixture.http(route);
            for (int i = 0; i < 12; i++) { // after the first round, a and b fail on every pooled connection
                assertThat(fixture.get(port, "/g").statusCode()).as("request %d", i).isEqualTo(200);
            }
        }
    }

    /**
     * A backend whose connections answer one request each, then reset on the next (a task that went
     * away while the mesh kept its idle connection).
     */
    private static ServerSocket oneAnswerPerConnection() throws java.io.IOException {
        return rawBackend(socket -> {
            var in = new java.io.BufferedReader(new java.io.InputStreamReader(socket.getInputStream()));
            for (String line = in.readLine(); line != null && !line.isEmpty(); line = in.readLine()) {
                // the request head
            }
            socket.getOutputStream().write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nonce".getBytes());
            in.readLine(); // the next request on this connection
            socket.setSoLinger(true, 0);
        });
    }

    /** What a hand-made backend does with one accepted connection (closed after it). */
    private interface RawConnection {
        void serve(Socket socket) throws java.io.IOException, InterruptedException;
    }

    /** A backend on loopback that misbehaves as {@code each} says, each connection on a thread of its own. */
    private static ServerSocket rawBackend(RawConnection each) throws java.io.IOException {
        ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(() -> {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    Thread.ofVirtual().start(() -> {
                        try (socket) {
                            each.serve(socket);
                        } catch (java.io.IOException | InterruptedException e) {
                            // the mesh closed the connection, or the test ended
                        }
                    });
                } catch (java.io.IOException e) {
                    return;
                }
            }
        });
        return server;
    }

    @Test
    void powerOfTwoChoicesAvoidsTheBusyBackend() {
        TestBackend slow = fixture.backend("slow");
        TestBackend fast = fixture.backend("fast");
        CountDownLatch release = new CountDownLatch(1);
        slow.hold = release;
        int port = fixture.http(route("s", null, null, Balancing.P2C, slow, fast));
        HttpClient other = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        List<CompletableFuture<HttpResponse<String>>> pending = new ArrayList<>();
        await().atMost(Duration.ofSeconds(10)).until(() -> {
            pending.add(other.sendAsync(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/busy")).build(),
                    HttpResponse.BodyHandlers.ofString()));
            return slow.requests.get() > 0;
        });
        // settle: everything still in flight is held by slow (fast has answered its share)
        await().atMost(Duration.ofSeconds(10)).until(() -> pending.stream().filter(f -> !f.isDone()).count() == slow.requests.get());
        for (int i = 0; i < 20; i++) {
            assertThat(fixture.get(port, "/q").body()).isEqualTo("fast /q"); // round robin would send half to slow
        }
        release.countDown();
        pending.forEach(CompletableFuture::join);
        other.close();
    }

    @Test
    void stickyByClientAddressKeepsEachClientOnOneBackend() throws Exception {
        TestBackend a = fixture.backend("a");
        TestBackend b = fixture.backend("b");
        TestBackend c = fixture.backend("c");
        int port = fixture.http(route("s", null, null, Balancing.STICKY_CLIENT_IP, a, b, c));
        Set<String> used = new HashSet<>();
        for (int host = 2; host < 12; host++) {
            HttpClient client = HttpClient.newBuilder().localAddress(InetAddress.getByName("127.0.0." + host)).build();
            Set<String> seen = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                seen.add(client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).build(),
                        HttpResponse.BodyHandlers.ofString()).body());
            }
            client.close();
            assertThat(seen).hasSize(1);
            used.addAll(seen);
        }
        assertThat(used).hasSizeGreaterThan(1);
    }

    @Test
    void stickyByCookie() {
        TestBackend a = fixture.backend("a");
        TestBackend b = fixture.backend("b");
        int port = fixture.http(route("s", null, null, Balancing.STICKY_COOKIE, a, b));
        Set<String> cookies = new HashSet<>();
        for (int round = 0; round < 20; round++) { // new clients spread by P2C: all 20 on one backend has odds 2^-19
            HttpResponse<String> first = fixture.get(port, "/");
            String cookie = first.headers().firstValue("set-cookie").orElseThrow().split(";")[0];
            cookies.add(cookie);
            assertThat(cookie).isEqualTo("flotilla_sticky=" + first.body().split(" ")[0]);
            for (int i = 0; i < 5; i++) {
                HttpResponse<String> again = fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/")).header("Cookie", cookie));
                assertThat(again.body()).isEqualTo(first.body());
                assertThat(again.headers().firstValue("set-cookie")).isEmpty();
            }
        }
        assertThat(cookies).hasSizeGreaterThan(1); // new clients are still spread
    }

    @Test
    void failingBackendIsEjectedAndLaterReadmitted() {
        fixture.mesh.close();
        fixture = new MeshFixture(MeshOptions.defaults().withIoThreads(2).withEjection(2, Duration.ofMillis(800)));
        TestBackend bad = fixture.backend("bad");
        bad.status = 500;
        TestBackend good = fixture.backend("good");
        int port = fixture.http(route("s", null, null, Balancing.ROUND_ROBIN, bad, good));
        for (int i = 0; i < 4; i++) {
            fixture.get(port, "/");
        }
        assertThat(bad.requests.get()).isEqualTo(2);
        for (int i = 0; i < 10; i++) {
            assertThat(fixture.get(port, "/").statusCode()).as("request %d, bad got %d", i, bad.requests.get()).isEqualTo(200);
        }
        assertThat(bad.requests.get()).isEqualTo(2);
        bad.status = 200;
        await().atMost(Duration.ofSeconds(5)).pollInterval(Duration.ofMillis(100)).until(() -> {
            fixture.get(port, "/");
            return bad.requests.get() > 2;
        });
    }

    @Test
    void removedBackendDrainsItsInFlightRequest() {
        TestBackend old = fixture.backend("old");
        TestBackend next = fixture.backend("next");
        CountDownLatch release = new CountDownLatch(1);
        old.hold = release;
        MeshRoute before = route("s", null, null, Balancing.ROUND_ROBIN, old);
        int port = fixture.http(before);
        CompletableFuture<HttpResponse<String>> inFlight = HttpClient.newHttpClient().sendAsync(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/slow")).build(), HttpResponse.BodyHandlers.ofString());
        await().atMost(Duration.ofSeconds(5)).until(() -> old.requests.get() == 1);
        fixture.http(route("s", null, null, Balancing.ROUND_ROBIN, next));
        for (int i = 0; i < 5; i++) {
            assertThat(fixture.get(port, "/new").body()).isEqualTo("next /new");
        }
        release.countDown();
        HttpResponse<String> drained = inFlight.orTimeout(10, TimeUnit.SECONDS).join();
        assertThat(drained.statusCode()).isEqualTo(200);
        assertThat(drained.body()).isEqualTo("old /slow");
        assertThat(old.requests.get()).isEqualTo(1);
    }

    @Test
    void metricsAppearInThePrometheusScrape() {
        TestBackend a = fixture.backend("a");
        int port = fixture.http(route("shop_web", null, null, Balancing.P2C, a));
        fixture.get(port, "/");
        fixture.http(route("shop_web", "nomatch.test", null, Balancing.P2C, a));
        fixture.get(port, "/");
        String scrape = fixture.registry.scrape();
        assertThat(scrape).contains("flotilla_mesh_requests_total{backend=\"a\",code=\"2xx\",service=\"shop_web\"} 1.0");
        assertThat(scrape).contains("flotilla_mesh_request_duration_seconds_bucket{backend=\"a\",service=\"shop_web\"");
        assertThat(scrape).contains("flotilla_mesh_request_duration_seconds_count{backend=\"a\",service=\"shop_web\"} 1");
        assertThat(scrape).contains("flotilla_mesh_no_route_total 1.0");
    }

    /** Enough of an HttpResponse for raw-socket answers. */
    private record RawResponse(int statusCode, String body) implements HttpResponse<String> {
        public HttpRequest request() { return null; }
        public java.util.Optional<HttpResponse<String>> previousResponse() { return java.util.Optional.empty(); }
        public java.net.http.HttpHeaders headers() { return java.net.http.HttpHeaders.of(java.util.Map.of(), (a, b) -> true); }
        public java.util.Optional<javax.net.ssl.SSLSession> sslSession() { return java.util.Optional.empty(); }
        public URI uri() { return null; }
        public HttpClient.Version version() { return HttpClient.Version.HTTP_1_1; }
    }

}
