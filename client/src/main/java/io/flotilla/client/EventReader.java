package io.flotilla.client;

import io.flotilla.model.ClusterEvent;
import io.flotilla.model.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/**
 * The events of a {@code GET /v1/events} stream, one at a time ({@link #open}).
 * Heartbeats are read and dropped (they only say the stream is alive); an {@code events.truncated}
 * notice is returned like an event. Keep the {@link ClusterEvent#position} of the last event to
 * resume after it, on any manager ({@link EventQuery#resumingAfter}).
 */
public final class EventReader implements AutoCloseable {
    private final InputStream body;
    private final BufferedReader lines;
    private long heartbeatIndex = -1;

    /**
     * {@code GET /v1/events} on {@code api}: the cluster's events after {@code query}'s start, then
     * (following) the live ones; read them with {@link #next}, close the reader to stop.
     */
    public static EventReader open(ApiClient api, EventQuery query) {
        return new EventReader(api.stream("/v1/events" + query.queryString()));
    }

    EventReader(InputStream body) {
        this.body = body;
        this.lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8));
    }

    /** The next event (blocking while the stream follows), or null when the stream ended. */
    public ClusterEvent next() {
        try {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                ClusterEvent event = Json.read(line, ClusterEvent.class);
                if (!event.type().equals(ClusterEvent.HEARTBEAT)) {
                    return event;
                }
                heartbeatIndex = event.index();
            }
            return null;
        } catch (IOException e) {
            throw new UncheckedIOException("the event stream broke: " + e.getMessage(), e);
        }
    }

    /** The index of the last heartbeat read: every event up to it has been read (-1: none yet). */
    public long heartbeatIndex() {
        return heartbeatIndex;
    }

    @Override
    public void close() {
        try {
            body.close();
        } catch (IOException e) {
            // closing a stream we stop reading: nothing to do
        }
    }
}
