package io.flotilla.manager.api;

import io.flotilla.manager.dashboard.DashboardGrant;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.Json;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/**
 * {@code GET /ui/api/live}: server-sent events that tell the page when the applied state changed
 * ({@code event: state}, the index and the leader), so it reads the views again without a reload.
 * The page reads the views themselves through {@code /ui/api/v1}: one source of truth, the API's.
 *
 * <p>The stream checks the applied index every {@code tick} and says nothing while it stays;
 * a comment every {@link #KEEPALIVE} keeps proxies and the request deadline from closing a quiet
 * stream; it ends when the client goes or the session expires (the page then shows it logged out).
 */
final class DashboardLive {
    static final Duration KEEPALIVE = Duration.ofSeconds(15);
    private final ClusterStore store;
    private final Supplier<String> leaderId;
    private final InstantSource clock;
    private final Duration tick;

    DashboardLive(ClusterStore store, Supplier<String> leaderId, InstantSource clock, Duration tick) {
        this.store = store;
        this.leaderId = leaderId;
        this.clock = clock;
        this.tick = tick;
    }

    void stream(ApiExchange exchange, DashboardGrant session) throws IOException, InterruptedException {
        exchange.responseHeader("Content-Type", "text/event-stream; charset=utf-8");
        exchange.responseHeader("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, 0);
        try (OutputStream out = exchange.responseBody()) {
            long sent = -1;
            String leader = null;
            long quietTicks = 0;
            long keepaliveTicks = Math.max(1, KEEPALIVE.toMillis() / Math.max(1, tick.toMillis()));
            out.write("retry: 1000\n\n".getBytes(StandardCharsets.UTF_8));
            out.flush();
            while (clock.instant().isBefore(session.expires())) {
                long index = store.state().index();
                String nowLeader = leaderId.get();
                if (index != sent || !java.util.Objects.equals(nowLeader, leader)) {
                    Map<String, Object> data = new LinkedHashMap<>();
                    data.put("index", index);
                    data.put("leader", nowLeader);
                    out.write(("event: state\nid: " + index + "\ndata: " + Json.write(data) + "\n\n")
                            .getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    sent = index;
                    leader = nowLeader;
                    quietTicks = 0;
                } else if (++quietTicks >= keepaliveTicks) {
                    out.write(": keepalive\n\n".getBytes(StandardCharsets.UTF_8));
                    out.flush();
                    quietTicks = 0;
                }
                Thread.sleep(tick.toMillis());
            }
            out.write("event: expired\ndata: {}\n\n".getBytes(StandardCharsets.UTF_8));
        }
    }
}
