package io.flotilla.agent;

import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** How the agent talks to the manager's dispatcher (see docs/api.md, "Dispatcher"). */
public interface ManagerChannel extends AutoCloseable {
    /** {@code POST /v1/dispatcher/hello}: opens (or re-opens) the node's session. */
    AssignmentSet hello(AgentHello hello) throws IOException;

    /** {@code GET /v1/dispatcher/assignments}: long poll, answers once the index passes {@code afterIndex} or after {@code wait}. */
    AssignmentSet assignments(String nodeId, long afterIndex, Duration wait) throws IOException;

    /** {@code POST /v1/dispatcher/status}: task statuses; also the node's heartbeat (the answer renews its lease). */
    StatusReportResponse report(StatusReport report) throws IOException;

    /** The managers' API addresses this channel knows now ({@code host:port}); empty when it knows none to tell tasks. */
    default List<String> managers() {
        return List.of();
    }

    /**
     * Waits before the session's next attempt after a failed call. The channel keeps the backoff so
     * that the node has one (the HTTP channel's is its {@link ManagerConnection}'s, which a
     * worker's registry stream follows too); this default, a fixed 100 ms, is for channels that keep none.
     */
    default void awaitRetry() throws InterruptedException {
        Thread.sleep(100);
    }

    /**
     * {@code GET /v1/images/archive}: the archive ({@code docker save}) of an image the cluster stores
     * for itself, to {@code docker load}; null when the cluster stores no such image.
     */
    default java.io.InputStream image(String reference) throws IOException {
        return null;
    }

    /** The cluster CA certificate file tasks check the managers by, or null (no TLS). */
    default Path caCertificate() {
        return null;
    }

    @Override
    void close();
}
