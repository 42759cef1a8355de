package io.flotilla.node;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Json;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.EndpointEvent;
import io.flotilla.model.api.StatusReportResponse;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;

/**
 * A manager's API as a worker's node session uses it, on a real HTTP server: the dispatcher
 * (hello, the long poll, status reports) as the leader, or 503 naming another leader (or none)
 * as a follower; and the all-services watch from a {@link History} every manager shares (the Raft
 * log's indexes), heartbeats every 200 ms. Records what it was asked, and when.
 */
final class FakeManager implements AutoCloseable {
    /** A request as this manager saw it: method and path with query, at nanoTime, answered with status, from a client port. */
    record Seen(String request, long at, int status, int port) {
        boolean is(String prefix) {
            return request.startsWith(prefix);
        }
    }

    /** The changes every manager numbers alike: change i has index i (1-based). */
    static final class History {
        private final List<EndpointEvent> changes = new CopyOnWriteArrayList<>();

        synchronized void add(String service, String endpointId) {
            Endpoint endpoint = new Endpoint(endpointId, service, null, null, null, "10.0.0." + (changes.size() + 1),
                    null, null, null, Endpoint.REGISTRATION, null);
            changes.add(EndpointEvent.change(service, changes.size() + 1, List.of(endpoint), null));
            notifyAll();
        }

        synchronized long top() {
            return changes.size();
        }

        List<Endpoint> all() {
            List<Endpoint> all = new ArrayList<>();
            changes.forEach(change -> all.addAll(change.upserted()));
            return all;
        }
    }

    private final HttpServer server;
    private final History history;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private volatile boolean leader;
    private volatile String leaderHint;
    private volatile boolean hung;

    FakeManager(History history, boolean leader) throws IOException {
        this(history, leader, 0);
    }

    FakeManager(History history, boolean leader, int port) throws IOException {
        this.history = history;
        this.leader = leader;
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 16);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/", this::handle);
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    /** Leads from now on: answers the dispatcher. */
    void lead() {
        leader = true;
    }

    /** Follows from now on: the dispatcher answers 503, naming {@code leader} (null: none known, an election). */
    void follow(String leader) {
        this.leaderHint = leader;
        this.leader = false;
    }

    /** Hangs from now on: connections stay open, and nothing is answered or streamed any more (a stopped process). */
    void hang() {
        hung = true;
    }

    List<Seen> seen() {
        return List.copyOf(seen);
    }

    List<Seen> seen(String prefix) {
        return seen.stream().filter(s -> s.is(prefix)).toList();
    }

    /** Stops at once: every open connection (the long poll, the stream) is closed. */
    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        String request = exchange.getRequestMethod() + " " + exchange.getRequestURI();
        int port = exchange.getRemoteAddress().getPort();
        exchange.getRequestBody().readAllBytes();
        String path = exchange.getRequestURI().getPath();
        try {
            while (hung) {
                Thread.sleep(50); // until the client gives up
            }
            if (path.equals("/v1/discovery/watch")) {
                seen.add(new Seen(request, System.nanoTime(), 200, port));
                watch(exchange);
            } else if (!leader) {
                seen.add(new Seen(request, System.nanoTime(), 503, port));
                if (leaderHint != null) {
                    exchange.getResponseHeaders().set("Flotilla-Leader", leaderHint);
                }
                answer(exchange, 503, Json.writeBytes(new ApiError("unavailable", "not the leader")));
            } else if (path.startsWith("/v1/dispatcher/")) {
                seen.add(new Seen(request, System.nanoTime(), 200, port));
                if (path.endsWith("/assignments")) {
                    pollWait(exchange);
                }
                byte[] body = path.endsWith("/status") ? Json.writeBytes(new StatusReportResponse(5000))
                        : Json.writeBytes(new AssignmentSet(1, "w1", List.of()));
                answer(exchange, 200, body);
            } else {
                answer(exchange, 404, new byte[0]);
            }
        } catch (IOException | InterruptedException e) {
            exchange.close(); // the client went, or this manager stopped
        }
    }

    /** A long poll with nothing new: it ends after its wait, or when this manager stops leading. */
    private void pollWait(HttpExchange exchange) throws InterruptedException {
        long wait = 10_000;
        for (String part : exchange.getRequestURI().getQuery().split("&")) {
            if (part.startsWith("wait=")) {
                wait = Long.parseLong(part.substring(5));
            }
        }
        long end = System.nanoTime() + wait * 1_000_000;
        while ((leader && System.nanoTime() < end) || hung) {
            Thread.sleep(20);
        }
    }

    /** The all-services watch: a snapshot without an index, else the changes after it; then each new one; heartbeats. */
    private void watch(HttpExchange exchange) throws IOException, InterruptedException {
        String query = exchange.getRequestURI().getQuery();
        long after = -1;
        for (String part : query == null ? new String[0] : query.split("&")) {
            if (part.startsWith("index=")) {
                after = Long.parseLong(part.substring(6));
            }
        }
        exchange.getResponseHeaders().set("Content-Type", "application/x-ndjson");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.getResponseBody()) {
            long sent;
            synchronized (history) {
                sent = history.top();
                if (after < 0) {
                    line(out, EndpointEvent.snapshot(null, sent, false, history.all()));
                } else {
                    for (long i = after + 1; i <= sent; i++) {
                        line(out, history.changes.get((int) i - 1));
                    }
                }
            }
            while (true) {
                synchronized (history) {
                    history.wait(200);
                    if (hung) {
                        continue;
                    }
                    for (long i = sent + 1; i <= history.top(); i++) {
                        line(out, history.changes.get((int) i - 1));
                    }
                    sent = history.top();
                }
                if (!hung) {
                    line(out, EndpointEvent.heartbeat(null, sent));
                }
            }
        }
    }

    private static void line(OutputStream out, EndpointEvent event) throws IOException {
        out.write((Json.write(event) + "\n").getBytes(StandardCharsets.UTF_8));
        out.flush();
    }

    private static void answer(HttpExchange exchange, int status, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
