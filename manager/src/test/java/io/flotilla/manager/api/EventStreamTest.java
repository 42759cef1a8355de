package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.TaskLogSource;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/events} of a real one-peer manager (Raft on disk), over HTTP. */
class EventStreamTest {
    @TempDir
    Path dir;
    private final TestManagers managers = new TestManagers();
    private ManagerConfig config;
    private Manager manager;
    private HttpTestClient http;

    @BeforeEach
    void start() throws Exception {
        config = TestManagers.config(dir, null);
        manager = managers.start(config, InstantSource.system(), TaskLogSource.NONE, TestManagers.tuning());
        http = new HttpTestClient(manager.apiAddress());
    }

    @AfterEach
    void stop() {
        managers.close();
    }

    private HttpResponse<java.io.InputStream> open(String query, String... headers) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + manager.apiAddress().getPort() + "/v1/events" + query));
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    }

    /** Reads a stream's lines into a queue, on a virtual thread. */
    private BlockingQueue<String> lines(String query, String... headers) throws Exception {
        HttpResponse<java.io.InputStream> response = open(query, headers);
        assertThat(response.statusCode()).isEqualTo(200);
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofVirtual().start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    lines.add(line);
                }
                lines.add("EOF");
            } catch (Exception e) {
                lines.add("EOF");
            }
        });
        return lines;
    }

    /** A stream that ends (follow=false or until): its events, heartbeats left out. */
    private List<ClusterEvent> read(String query) throws Exception {
        BlockingQueue<String> lines = lines(query);
        List<ClusterEvent> events = new ArrayList<>();
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("the stream ends").isNotNull();
            if (line.equals("EOF")) {
                return events;
            }
            ClusterEvent event = Json.read(line, ClusterEvent.class);
            if (!event.type().equals(ClusterEvent.HEARTBEAT)) {
                events.add(event);
            }
        }
    }

    private static ClusterEvent next(BlockingQueue<String> lines, String type) throws InterruptedException {
        while (true) {
            String line = lines.poll(10, TimeUnit.SECONDS);
            assertThat(line).as("an event of type " + type).isNotNull().isNotEqualTo("EOF");
            ClusterEvent event = Json.read(line, ClusterEvent.class);
            if (event.type().equals(type)) {
                return event;
            }
        }
    }

    private void audit(String action) throws Exception {
        manager.submit(new Command.RecordAudit("test", action, "shop_web", null, Instant.now())).get();
    }

    @Test
    void replaysThenFollowsAndResumesWithNoGapNorRepeat() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.state().events().all().stream()
                .anyMatch(e -> e.type().equals("leader.changed")));
        BlockingQueue<String> live = lines("?since=0&heartbeat=200");
        ClusterEvent leader = next(live, "leader.changed");
        assertThat(leader.node()).isEqualTo("m1");
        assertThat(leader.time()).isNotNull();

        assertThat(http.post("/v1/dispatcher/hello", new AgentHello(TestManagers.node("n1"))).status()).isEqualTo(200);
        assertThat(next(live, "node.joined").node()).isEqualTo("n1");
        manager.submit(new Command.CreateService("s1", TestManagers.service("shop", "web", 0), Instant.now())).get();
        assertThat(next(live, "service.created").service()).isEqualTo("shop_web");
        audit("first");
        audit("second");
        ClusterEvent first = next(live, "audit");
        assertThat(first.attributes()).containsEntry("action", "first");
        assertThat(next(live, "audit").attributes()).containsEntry("action", "second");
        assertThat(Json.read(live.poll(5, TimeUnit.SECONDS), ClusterEvent.class).type())
                .as("nothing happens: a heartbeat").isEqualTo(ClusterEvent.HEARTBEAT);

        List<ClusterEvent> all = read("?since=0&follow=false");
        assertThat(all).extracting(ClusterEvent::type).contains("leader.changed", "node.joined", "audit");
        for (int i = 1; i < all.size(); i++) {
            assertThat(all.get(i).after(all.get(i - 1).index(), all.get(i - 1).seq())).as("in log order").isTrue();
        }
        // Resume after any position: exactly the rest.
        for (int i = 0; i < all.size(); i++) {
            assertThat(read("?follow=false&since=" + all.get(i).position())).isEqualTo(all.subList(i + 1, all.size()));
        }
        assertThat(read("?follow=false&since=" + first.index())).as("after a whole entry")
                .isEqualTo(all.subList(all.indexOf(first) + 1, all.size()));
        assertThat(read("?until=" + first.index() + "&since=0")).as("until an index ends the stream")
                .isEqualTo(all.subList(0, all.indexOf(first) + 1));
        assertThat(read("?since=0&follow=false&type=node,audit&node=n1")).as("filters: a type prefix and a node")
                .extracting(ClusterEvent::type).containsExactly("node.joined");
        assertThat(read("?since=0&follow=false&service=shop_web")).extracting(ClusterEvent::type)
                .containsExactly("service.created");
        assertThat(read("?since=0&follow=false&stack=shop,other")).extracting(ClusterEvent::type)
                .containsExactly("service.created");
        assertThat(read("?since=0&follow=false&type=audit")).hasSize(2);
        assertThat(read("?follow=false&since=" + all.getFirst().time().minusMillis(1))).as("since a time")
                .isEqualTo(all);
    }

    @Test
    void serverSentEventsResumeFromLastEventId() throws Exception {
        audit("one");
        audit("two");
        BlockingQueue<String> sse = lines("?since=0&follow=false&type=audit", "Accept", "text/event-stream");
        List<String> ids = new ArrayList<>();
        String line;
        while (!(line = sse.poll(10, TimeUnit.SECONDS)).equals("EOF")) {
            if (line.startsWith("id: ")) {
                ids.add(line.substring(4));
            }
        }
        assertThat(ids).hasSize(2);
        BlockingQueue<String> resumed = lines("?follow=false&type=audit", "Accept", "text/event-stream",
                "Last-Event-ID", ids.getFirst());
        List<String> data = new ArrayList<>();
        while (!(line = resumed.poll(10, TimeUnit.SECONDS)).equals("EOF")) {
            if (line.startsWith("data: ")) {
                data.add(line);
            }
        }
        assertThat(data).singleElement().satisfies(d -> assertThat(d).contains("\"two\""));
    }

    @Test
    void theHistorySurvivesASnapshotAndARestart() throws Exception {
        audit("before-snapshot");
        List<ClusterEvent> before = read("?since=0&follow=false");
        manager.takeSnapshot();
        managers.close();
        manager = managers.start(config, InstantSource.system(), TaskLogSource.NONE, TestManagers.tuning());
        List<ClusterEvent> after = read("?since=0&follow=false");
        assertThat(after).startsWith(before.toArray(ClusterEvent[]::new));
    }

    @Test
    void badParametersAreRefusedBeforeAnythingStreams() throws Exception {
        for (String query : List.of("?since=yesterday", "?until=12/x/3", "?follow=maybe", "?since=-4")) {
            HttpTestClient.Answer answer = http.get("/v1/events" + query);
            assertThat(answer.status()).as(query).isEqualTo(400);
            assertThat(answer.body()).as(query).contains("invalid");
        }
        assertThat(open("?follow=false", "Last-Event-ID", "abc").statusCode()).isEqualTo(400);
        assertThat(http.post("/v1/events", "{}").status()).isEqualTo(405);
    }
}
