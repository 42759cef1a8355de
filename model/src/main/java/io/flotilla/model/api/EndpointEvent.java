package io.flotilla.model.api;

import io.flotilla.model.Endpoint;
import java.util.List;

/**
 * One line of a discovery watch ({@code GET /v1/discovery/services/{name}/watch}).
 * <ul>
 *   <li>{@code snapshot}: the whole set ({@code endpoints}) as of {@code index}; {@code reset} when it
 *       replaces what the client held (its resume index fell out of the history window).</li>
 *   <li>{@code change}: at {@code index}, {@code upserted} endpoints were added or changed and the
 *       endpoints with the ids in {@code removed} left.</li>
 *   <li>{@code heartbeat}: nothing changed up to {@code index}.</li>
 * </ul>
 * A client keeps the highest {@code index} seen and resumes with {@code ?index=} it.
 */
public record EndpointEvent(String type, long index, String service, Boolean reset, List<Endpoint> endpoints,
                            List<Endpoint> upserted, List<String> removed) {
    public static final String SNAPSHOT = "snapshot";
    public static final String CHANGE = "change";
    public static final String HEARTBEAT = "heartbeat";

    public static EndpointEvent snapshot(String service, long index, boolean reset, List<Endpoint> endpoints) {
        return new EndpointEvent(SNAPSHOT, index, service, reset ? Boolean.TRUE : null, endpoints, null, null);
    }

    public static EndpointEvent change(String service, long index, List<Endpoint> upserted, List<String> removed) {
        return new EndpointEvent(CHANGE, index, service, null, null, upserted, removed);
    }

    public static EndpointEvent heartbeat(String service, long index) {
        return new EndpointEvent(HEARTBEAT, index, service, null, null, null, null);
    }
}
