package io.flotilla.manager.dispatcher;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each node was last heard of, in the leader's memory only (never in the log). A new leader
 * {@link #reset resets} them to its start: every node gets a fresh grace period before it can be
 * judged down, since the old leader's heartbeats are lost.
 *
 * <p>Two instants matter for fencing (see {@link NodeLiveness}): the last heartbeat this leader
 * really received from a node, and when this leader started leading. An agent's lease ends at
 * most a lease after a report the leader answered, and this leader answered none before it led;
 * but the previous leader may have, up to the moment this one took over.
 */
public final class Heartbeats {
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();
    private volatile Instant graceStart;
    private volatile Instant leadershipStart;

    /** Leading since {@code graceStart}, which is also when the grace of every node starts. */
    public Heartbeats(Instant graceStart) {
        this(graceStart, graceStart);
    }

    /**
     * @param graceStart      nodes not heard of count as heard of at this instant (the grace period)
     * @param leadershipStart when this manager started leading (heartbeats before it went to another leader)
     */
    public Heartbeats(Instant graceStart, Instant leadershipStart) {
        this.graceStart = graceStart;
        this.leadershipStart = leadershipStart;
    }

    public void reset(Instant now) {
        reset(now, now);
    }

    public void reset(Instant newGraceStart, Instant newLeadershipStart) {
        lastSeen.clear();
        graceStart = newGraceStart;
        leadershipStart = newLeadershipStart;
    }

    public void record(String nodeId, Instant now) {
        lastSeen.merge(nodeId, now, (old, next) -> next.isAfter(old) ? next : old);
    }

    /** How many nodes this leader has heard of since it leads: the agents' sessions it holds. */
    public int size() {
        return lastSeen.size();
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

    /**
     * The latest instant at which a leader may have answered a report of {@code nodeId}: its last
     * heartbeat received here, or this leader's start when that is later (or it was not heard of),
     * since the previous leader may have answered until then.
     */
    public Instant lastPossibleAnswer(String nodeId) {
        Instant seen = lastSeen.get(nodeId);
        Instant start = leadershipStart;
        return seen == null || seen.isBefore(start) ? start : seen;
    }

    public Instant leadershipStart() {
        return leadershipStart;
    }
}
