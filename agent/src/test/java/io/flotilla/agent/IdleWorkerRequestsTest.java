package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.model.Json;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.MeshServices;
import io.flotilla.model.api.NodeSession;
import io.flotilla.model.api.StatusReportResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What an idle worker asks of its manager in 10 s, counted by a manager that answers as a real one
 * with nothing changing: its status reports (the heartbeat, every 250 ms) and one long poll, which
 * carries the node's session — what the node's role watch, CA follower and mesh used to poll for
 * themselves (docs/architecture.md, "One node session").
 */
class IdleWorkerRequestsTest {
    private static final Duration WINDOW = Duration.ofSeconds(10);

    @TempDir
    Path dataDir;

    @Test
    void anIdleWorkerMakesOnlyItsReportsAndOneLongPollIn10Seconds() throws Exception {
        Map<String, AtomicInteger> counts = new ConcurrentHashMap<>();
        AtomicLong countFrom = new AtomicLong(Long.MAX_VALUE);
        NodeSession session = new NodeSession(new NodeSpec(null, null, null), List.of(new ManagerPeer("m1", null,
                "127.0.0.1:4781")), new MeshServices(1, List.of()), new NodeSession.CaIdentity("d1", false, false));
        byte[] set = Json.writeBytes(new AssignmentSet(1, "n1", List.of(), Map.of(), Map.of(), session));
        HttpServer manager = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 16);
        manager.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        manager.createContext("/", exchange -> {
            String path = exchange.getRequestURI().getPath();
            if (System.nanoTime() >= countFrom.get()) {
                counts.computeIfAbsent(exchange.getRequestMethod() + " " + path, p -> new AtomicInteger()).incrementAndGet();
            }
            exchange.getRequestBody().readAllBytes();
            switch (path) {
                case "/v1/dispatcher/hello" -> answer(exchange, set);
                case "/v1/dispatcher/assignments" -> {
                    sleepFor(exchange); // nothing changes: the poll ends after its wait
                    answer(exchange, set);
                }
                case "/v1/dispatcher/status" -> answer(exchange, Json.writeBytes(new StatusReportResponse(5000)));
                default -> {
                    exchange.sendResponseHeaders(404, -1);
                    exchange.close();
                }
            }
        });
        manager.start();
        String address = "127.0.0.1:" + manager.getAddress().getPort();
        AgentConfig config = new AgentConfig("n1", "host-1", "127.0.0.1", dataDir, new Resources(1_000_000_000L, 1L << 30, 0),
                Set.of("process"), Duration.ofMillis(250));
        try (HttpManagerChannel channel = new HttpManagerChannel(List.of(address));
             Agent agent = new Agent(config, channel, Clock.systemUTC())) {
            agent.start();
            Thread.sleep(1_000); // the session opened
            assertThat(agent.session()).isEqualTo(session);
            countFrom.set(System.nanoTime());
            Thread.sleep(WINDOW.toMillis());
        } finally {
            manager.stop(0);
        }
        Map<String, Integer> seen = new TreeMap<>();
        counts.forEach((path, count) -> seen.put(path, count.get()));
        System.out.println("requests of an idle worker's agent in " + WINDOW.toSeconds() + " s: " + seen);
        assertThat(seen.keySet()).containsOnly("POST /v1/dispatcher/status", "GET /v1/dispatcher/assignments");
        assertThat(seen.get("GET /v1/dispatcher/assignments")).isLessThanOrEqualTo(2);
        assertThat(seen.get("POST /v1/dispatcher/status")).isBetween(1, 42); // every 250 ms: 40 at most (fewer on a busy host)
    }

    private static void sleepFor(HttpExchange exchange) {
        String query = exchange.getRequestURI().getQuery();
        long wait = 10_000;
        for (String part : query.split("&")) {
            if (part.startsWith("wait=")) {
                wait = Long.parseLong(part.substring(5));
            }
        }
        try {
            Thread.sleep(wait);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void answer(HttpExchange exchange, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
