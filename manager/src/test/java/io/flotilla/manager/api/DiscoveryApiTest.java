package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Json;
import io.flotilla.model.api.EndpointEvent;
import io.flotilla.model.api.EndpointSet;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.model.api.RegistrationResult;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The discovery and registry endpoints of a real manager, over HTTP. */
class DiscoveryApiTest {
    @TempDir
    Path dir;
    private final TestManagers managers = new TestManagers();
    private Manager manager;
    private HttpTestClient http;

    @BeforeEach
    void start() throws Exception {
        manager = managers.start(TestManagers.config(dir, null), java.time.InstantSource.system(),
                io.flotilla.model.api.TaskLogSource.NONE, TestManagers.tuning());
        http = new HttpTestClient(manager.apiAddress());
    }

    @AfterEach
    void stop() {
        managers.close();
    }

    private RegistrationResult register(String name, String address, int port, Duration ttl, String... tags)
            throws Exception {
        HttpTestClient.Answer answer = http.post("/v1/registry", new RegistrationRequest(null, name, "ext", address,
                Map.of("http", port), List.of(tags), Map.of("version", "1"), ttl));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.as(RegistrationResult.class);
    }

    /** Reads a watch stream line by line into a queue, on a virtual thread. */
    private BlockingQueue<EndpointEvent> watch(String query) throws Exception {
        return stream("/v1/discovery/services/ext_pay/watch?heartbeat=200" + query);
    }

    private BlockingQueue<EndpointEvent> stream(String pathAndQuery) throws Exception {
        HttpResponse<java.io.InputStream> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + manager.apiAddress().getPort() + pathAndQuery)).build(),
                HttpResponse.BodyHandlers.ofInputStream());
        assertThat(response.statusCode()).isEqualTo(200);
        BlockingQueue<EndpointEvent> events = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    events.add(Json.read(line, EndpointEvent.class));
                }
            } catch (Exception e) {
                // stream closed
            }
        });
        return events;
    }

    private static EndpointEvent next(BlockingQueue<EndpointEvent> events, String type) throws InterruptedException {
        while (true) {
            EndpointEvent event = events.poll(5, TimeUnit.SECONDS);
            assertThat(event).as("an event of type " + type).isNotNull();
            if (event.type().equals(type)) {
                return event;
            }
        }
    }

    @Test
    void registerListWatchDeregister() throws Exception {
        BlockingQueue<EndpointEvent> events = watch("");
        assertThat(next(events, "snapshot").endpoints()).isEmpty();
        RegistrationResult a = register("pay", "10.0.0.1", 8080, Duration.ofMinutes(1), "zone=a");
        assertThat(a.service()).isEqualTo("ext_pay");
        long start = System.nanoTime();
        EndpointEvent added = next(events, "change");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(1));
        assertThat(added.index()).isEqualTo(a.index());
        assertThat(added.upserted()).singleElement().satisfies(e -> {
            assertThat(e.address()).isEqualTo("10.0.0.1");
            assertThat(e.meta()).containsEntry("version", "1");
        });
        EndpointSet set = http.get("/v1/discovery/services/ext_pay").as(EndpointSet.class);
        assertThat(set.endpoints()).hasSize(1);
        assertThat(http.get("/v1/discovery/services/ext_pay?tag=zone=b").as(EndpointSet.class).endpoints()).isEmpty();
        assertThat(http.get("/v1/discovery/services/nope").status()).isEqualTo(404);
        assertThat(http.get("/v1/registry").body()).contains(a.id());

        assertThat(http.delete("/v1/registry/" + a.id()).status()).isEqualTo(200);
        assertThat(next(events, "change").removed()).containsExactly(a.id());
        assertThat(http.delete("/v1/registry/" + a.id()).status()).isEqualTo(404);
        assertThat(http.post("/v1/registry", "{\"name\":\"x\",\"address\":\"1.2.3.4\"}").status()).as("no ttl").isEqualTo(400);
    }

    @Test
    void aWatcherReconnectingFromItsLastIndexMissesNothingAndRepeatsNothing() throws Exception {
        BlockingQueue<EndpointEvent> first = watch("&tag=zone=a");
        next(first, "snapshot");
        RegistrationResult a = register("pay", "10.0.0.1", 8080, Duration.ofMinutes(1), "zone=a");
        assertThat(next(first, "change").index()).isEqualTo(a.index());
        long last = a.index(); // the client disconnects here; meanwhile:
        register("pay", "10.0.0.2", 8080, Duration.ofMinutes(1), "zone=b"); // filtered out
        RegistrationResult c = register("pay", "10.0.0.3", 8080, Duration.ofMinutes(1), "zone=a");
        http.delete("/v1/registry/" + a.id());
        BlockingQueue<EndpointEvent> second = watch("&tag=zone=a&index=" + last);
        EndpointEvent added = next(second, "change");
        assertThat(added.index()).isEqualTo(c.index());
        assertThat(added.upserted()).extracting(e -> e.id()).containsExactly(c.id());
        EndpointEvent removed = next(second, "change");
        assertThat(removed.removed()).containsExactly(a.id());
        EndpointEvent heartbeat = next(second, "heartbeat");
        assertThat(heartbeat.index()).isGreaterThanOrEqualTo(removed.index());
        assertThat(second.stream().filter(e -> e.type().equals("change"))).isEmpty();
    }

    @Test
    void theAllServicesWatchStreamsEveryServiceAndResumesFromAnIndex() throws Exception {
        RegistrationResult pay = register("pay", "10.0.0.1", 8080, Duration.ofMinutes(1));
        BlockingQueue<EndpointEvent> first = stream("/v1/discovery/watch?heartbeat=200");
        EndpointEvent snapshot = next(first, "snapshot");
        assertThat(snapshot.service()).isNull();
        assertThat(snapshot.reset()).isNull();
        assertThat(snapshot.index()).isGreaterThanOrEqualTo(pay.index());
        assertThat(snapshot.endpoints()).extracting(e -> e.id()).containsExactly(pay.id());
        RegistrationResult ship = register("ship", "10.0.0.2", 9090, Duration.ofMinutes(1));
        EndpointEvent added = next(first, "change");
        assertThat(added.service()).isEqualTo("ext_ship");
        assertThat(added.index()).isEqualTo(ship.index());
        long last = added.index(); // the client disconnects here; meanwhile, two services change:
        RegistrationResult pay2 = register("pay", "10.0.0.3", 8080, Duration.ofMinutes(1));
        http.delete("/v1/registry/" + ship.id());
        BlockingQueue<EndpointEvent> second = stream("/v1/discovery/watch?heartbeat=200&index=" + last);
        EndpointEvent a = next(second, "change");
        assertThat(a.service()).isEqualTo("ext_pay");
        assertThat(a.index()).isEqualTo(pay2.index());
        EndpointEvent b = next(second, "change");
        assertThat(b.service()).isEqualTo("ext_ship");
        assertThat(b.removed()).containsExactly(ship.id());
        assertThat(next(second, "heartbeat").index()).isGreaterThanOrEqualTo(b.index());
        assertThat(second.stream().filter(e -> e.type().equals("change"))).isEmpty();
        // an index older than the history (0: before this manager's first entry is fine; -1 is "none")
        BlockingQueue<EndpointEvent> fresh = stream("/v1/discovery/watch?heartbeat=200&index=0");
        assertThat(next(fresh, "change").index()).isGreaterThan(0);

        // the worker's mirror, fed by this stream, holds every service and follows changes
        io.flotilla.discovery.RegistryMirror mirror = new io.flotilla.discovery.RegistryMirror();
        String api = "127.0.0.1:" + manager.apiAddress().getPort();
        try (var mirrorStream = new io.flotilla.discovery.RegistryMirrorStream(mirror,
                () -> List.of("127.0.0.1:1", api)).start()) { // the first manager is down: it moves on
            await().atMost(Duration.ofSeconds(10)).until(() -> mirror.endpoints("ext_pay").size() == 2);
            assertThat(mirror.knows("ext_ship")).isFalse();
            long before = System.nanoTime();
            register("ship", "10.0.0.4", 9090, Duration.ofMinutes(1));
            await().atMost(Duration.ofSeconds(2)).pollInterval(Duration.ofMillis(10))
                    .until(() -> mirror.endpoints("ext_ship").size() == 1);
            assertThat(Duration.ofNanos(System.nanoTime() - before)).isLessThan(Duration.ofSeconds(1));
            assertThat(mirrorStream.connectedTo()).isEqualTo(api);
        }
    }

    @Test
    void aRegistrationThatStopsRenewingExpiresWithinItsTtl() throws Exception {
        RegistrationResult quiet = register("pay", "10.0.0.1", 8080, Duration.ofMillis(600));
        RegistrationResult renewing = register("pay", "10.0.0.2", 8080, Duration.ofMillis(600));
        long start = System.nanoTime();
        // renewing renews every 200 ms; quiet does not.
        while (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(1500)) {
            HttpTestClient.Answer renewed = http.post("/v1/registry/" + renewing.id() + "/renew", "{}");
            assertThat(renewed.status()).as(renewed.body()).isEqualTo(200);
            Thread.sleep(200);
        }
        assertThat(http.get("/v1/discovery/services/ext_pay").as(EndpointSet.class).endpoints())
                .extracting(e -> e.id()).containsExactly(renewing.id());
        await().atMost(Duration.ofSeconds(2)).until(() ->
                http.get("/v1/discovery/services/ext_pay").as(EndpointSet.class).endpoints().isEmpty());
        assertThat(http.post("/v1/registry/" + quiet.id() + "/renew", "{}").status()).isEqualTo(404);
    }

    @Test
    void aWatchAskingForATinyHeartbeatGetsOneASecond() throws Exception {
        // Anyone may watch (tasks hold no certificate): the server, not the caller, bounds the stream.
        BlockingQueue<EndpointEvent> one = stream("/v1/discovery/services/ext_pay/watch?heartbeat=1");
        BlockingQueue<EndpointEvent> all = stream("/v1/discovery/watch?heartbeat=1");
        Thread.sleep(2_500);
        assertThat(one.stream().filter(e -> e.type().equals("heartbeat")).count()).isBetween(1L, 4L);
        assertThat(all.stream().filter(e -> e.type().equals("heartbeat")).count()).isBetween(1L, 4L);
    }
}
