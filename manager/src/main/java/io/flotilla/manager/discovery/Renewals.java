package io.flotilla.manager.discovery;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When each self-registration was last renewed, in the leader's memory only (renewals are
 * heartbeats: they never reach the log). A new leader {@link #reset resets} them: every
 * registration gets a fresh TTL from the moment it took over, since the old leader's renewals are
 * lost with it.
 */
public final class Renewals {
    private final Map<String, Instant> lastRenewed = new ConcurrentHashMap<>();
    private volatile Instant graceStart;

    public Renewals(Instant graceStart) {
        this.graceStart = graceStart;
    }

    public void reset(Instant now) {
        lastRenewed.clear();
        graceStart = now;
    }

    public void renew(String id, Instant now) {
        lastRenewed.merge(id, now, (old, next) -> next.isAfter(old) ? next : old);
    }

    public void forget(String id) {
        lastRenewed.remove(id);
    }

    /** The latest of: the last renewal, the registration itself, and the grace start. */
    public Instant lastSeen(String id, Instant registeredAt) {
        Instant seen = lastRenewed.get(id);
        Instant latest = graceStart.isAfter(registeredAt) ? graceStart : registeredAt;
        return seen != null && seen.isAfter(latest) ? seen : latest;
    }
}
