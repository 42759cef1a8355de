package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Json;
import io.flotilla.state.ClusterState;
import io.flotilla.state.EventLog;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code GET /v1/events}: the cluster's events ({@link ClusterEvent}) as a stream, one JSON object a
 * line ({@code application/x-ndjson}), or server-sent events with {@code Accept: text/event-stream}.
 *
 * <p>It answers from this manager's applied state alone, whose {@link EventLog} every manager
 * derives identically from the log (as the discovery watch answers from its registry): a client
 * that reconnects to any manager with the last position it read ({@code since=INDEX/SEQ}, or the
 * SSE {@code Last-Event-ID}) gets exactly the events after it — across leader changes, a restart
 * and a snapshot load — or, first, an {@code events.truncated} line when some of them are no longer
 * retained (never a silent gap). It replays the retained events after {@code since}, then follows
 * the log (heartbeats when nothing happens) until {@code until} (an index or a time: one already
 * reached ends the stream after the replay) or, with {@code follow=false}, ends after the replay.
 */
final class EventStream {
    static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);

    /** A position in the event history: after event {@code seq} of entry {@code index}. */
    record Position(long index, int seq) {
        static final int WHOLE_ENTRY = Integer.MAX_VALUE;

        /** {@code INDEX} (after the whole entry) or {@code INDEX/SEQ}; null when the text is neither. */
        static Position parse(String text) {
            String[] parts = text.strip().split("/", -1);
            try {
                long index = Long.parseLong(parts[0]);
                int seq = parts.length == 2 ? Integer.parseInt(parts[1]) : WHOLE_ENTRY;
                return parts.length > 2 || index < 0 || seq < 0 ? null : new Position(index, seq);
            } catch (NumberFormatException e) {
                return null;
            }
        }

        String text() {
            return seq == WHOLE_ENTRY ? Long.toString(index) : index + "/" + seq;
        }
    }

    /** What the request asked for, checked before anything is written. */
    record Query(Position since, Instant sinceTime, long untilIndex, Instant untilTime, boolean follow,
                 List<String> types, List<String> stacks, List<String> services, List<String> nodes) {

        static Query of(ApiRequest r) {
            String since = r.param("since");
            String lastEventId = r.exchange().requestHeader("Last-Event-ID");
            Position position = null;
            Instant sinceTime = null;
            if (since != null) {
                position = Position.parse(since);
                sinceTime = position == null ? time("since", since) : null;
            } else if (lastEventId != null && !lastEventId.isBlank()) {
                position = Position.parse(lastEventId);
                if (position == null) {
                    throw ApiException.invalid("Last-Event-ID must be INDEX or INDEX/SEQ: " + lastEventId);
                }
            }
            String until = r.param("until");
            Position untilPosition = until == null ? null : Position.parse(until);
            Instant untilTime = until != null && untilPosition == null ? time("until", until) : null;
            String follow = r.param("follow");
            if (follow != null && !follow.equals("true") && !follow.equals("false")) {
                throw ApiException.invalid("query parameter follow must be true or false: " + follow);
            }
            return new Query(position, sinceTime, untilPosition == null ? Long.MAX_VALUE : untilPosition.index(),
                    untilTime, !"false".equals(follow),
                    list(r, "type"), list(r, "stack"), list(r, "service"), list(r, "node"));
        }

        private static Instant time(String name, String value) {
            try {
                return Instant.parse(value);
            } catch (DateTimeParseException e) {
                throw ApiException.invalid("query parameter " + name + " must be a log index (N or N/SEQ) or an"
                        + " RFC 3339 time (2026-12-05T22:10:03Z): " + value);
            }
        }

        private static List<String> list(ApiRequest r, String name) {
            String value = r.param(name);
            return value == null ? List.of()
                    : Arrays.stream(value.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
        }

        /** Whether {@code event} passes the filters: a type matches itself or its prefix ({@code node} for {@code node.*}). */
        boolean matches(ClusterEvent event) {
            return (types.isEmpty() || types.stream().anyMatch(t -> event.type().equals(t) || event.type().startsWith(t + ".")))
                    && (stacks.isEmpty() || stacks.contains(event.stack()))
                    && (services.isEmpty() || services.contains(event.service()))
                    && (nodes.isEmpty() || nodes.contains(event.node()));
        }
    }

    private final ClusterStore store;
    private final InstantSource clock;

    EventStream(ClusterStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    void stream(ApiRequest r) throws IOException, InterruptedException {
        Query query = Query.of(r);
        Duration heartbeat = DiscoveryApi.heartbeat(r);
        String accept = r.exchange().requestHeader("Accept");
        boolean sse = accept != null && accept.contains("text/event-stream");
        ClusterState state = store.state();
        // Without since (nor a time), only what happens from now on; since=0 is all that is retained.
        Position cursor = query.since() != null ? query.since()
                : query.sinceTime() != null ? new Position(-1, Position.WHOLE_ENTRY)
                : new Position(state.index(), Position.WHOLE_ENTRY);
        ApiExchange exchange = r.exchange();
        exchange.responseHeader("Content-Type", sse ? "text/event-stream" : "application/x-ndjson");
        exchange.responseHeader("Cache-Control", "no-cache");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.responseBody();
        boolean fromTime = query.sinceTime() != null;
        while (true) {
            EventLog events = state.events();
            // Checked on every turn: a reader too slow for the window learns it too, mid-stream.
            if (events.truncatedAfter(cursor.index(), cursor.seq()) && !(fromTime && olderThanTime(events, query.sinceTime()))) {
                truncated(out, sse, cursor, events);
            }
            fromTime = false;
            for (ClusterEvent event : events.after(cursor.index(), cursor.seq())) {
                if (event.index() > query.untilIndex() || (query.untilTime() != null && event.time() != null
                        && event.time().isAfter(query.untilTime()))) {
                    out.close();
                    return;
                }
                cursor = new Position(event.index(), event.seq());
                if ((query.sinceTime() == null || event.time() == null || !event.time().isBefore(query.sinceTime()))
                        && query.matches(event)) {
                    write(out, sse, event.position(), event.type(), Json.write(event));
                }
            }
            if (state.index() > cursor.index()) {
                cursor = new Position(state.index(), Position.WHOLE_ENTRY); // every event up to here is read
            }
            out.flush();
            if (!query.follow() || state.index() >= query.untilIndex()
                    || (query.untilTime() != null && !clock.instant().isBefore(query.untilTime()))) {
                out.close();
                return;
            }
            ClusterState next = store.awaitIndex(state.index(), heartbeat);
            if (next.index() == state.index()) {
                Map<String, Object> beat = new LinkedHashMap<>();
                beat.put("index", state.index());
                beat.put("type", ClusterEvent.HEARTBEAT);
                write(out, sse, Long.toString(state.index()), ClusterEvent.HEARTBEAT, Json.write(beat));
                out.flush();
            }
            state = next;
        }
    }

    /** Whether every event dropped is older than {@code time}: a time-based start missed nothing it asked for. */
    private static boolean olderThanTime(EventLog events, Instant time) {
        List<ClusterEvent> all = events.all();
        return !all.isEmpty() && all.getFirst().time() != null && all.getFirst().time().isBefore(time);
    }

    private static void truncated(OutputStream out, boolean sse, Position cursor, EventLog events) throws IOException {
        Map<String, Object> line = new LinkedHashMap<>();
        List<ClusterEvent> all = events.all();
        String oldest = all.isEmpty() ? null : all.getFirst().position();
        line.put("index", Math.max(cursor.index(), 0));
        line.put("type", ClusterEvent.TRUNCATED);
        line.put("message", "events after " + (cursor.index() < 0 ? "the start" : cursor.text())
                + " up to " + events.droppedPosition() + " are no longer kept (the state keeps the last "
                + EventLog.RETAINED + "); the stream goes on from " + (oldest == null ? "the next event" : oldest));
        line.put("attributes", oldest == null ? Map.of("dropped", events.droppedPosition())
                : Map.of("dropped", events.droppedPosition(), "oldest", oldest));
        write(out, sse, null, ClusterEvent.TRUNCATED, Json.write(line));
    }

    private static void write(OutputStream out, boolean sse, String id, String type, String json) throws IOException {
        String text = !sse ? json + "\n"
                : (id == null ? "" : "id: " + id + "\n") + "event: " + type + "\ndata: " + json + "\n\n";
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }
}
