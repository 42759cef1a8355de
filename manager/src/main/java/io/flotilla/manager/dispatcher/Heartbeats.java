package io.flotilla.manager.dispatcher;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each node was last heard of, in the leader's memory only (never in the log). A new leader
 * {@link #reset resets} them to its start: every node gets a fresh grace period before it can be
 * judged down, since the old leader's heartbeats are lost.
 */
public final class Heartbeats {
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();
    private volatile Instant graceStart;

    public Heartbeats(Instant graceStart) {
        this.graceStart = graceStart;
    }

    public void reset(Instant now) {
        lastSeen.clear();
        graceStart = now;
    }

    public void record(String nodeId, Instant now) {
        lastSeen.merge(nodeId, now, (old, next) -> next.isAfter(old) ? next : old);
    }

    /** Forgets {@code nodeId} (it left); were it heard of again, it would start afresh. */
    public void forget(String nodeId) {
        lastSeen.remove(nodeId);
    }

    /** The last heartbeat of {@code nodeId}, or the grace start if that is later. */
    public Instant lastSeen(String nodeId) {
        Instant seen = lastSeen.get(nodeId);
        Instant grace = graceStart;
        return seen == null || seen.isBefore(grace) ? grace : seen;
    }
}
