package io.flotilla.manager.discovery;

import io.flotilla.manager.dispatcher.Heartbeats;
import java.time.Instant;

/**
 * When each self-registration was last renewed, in the leader's memory only: renewals are
 * heartbeats (they never reach the log), kept by the same {@link Heartbeats} the dispatcher uses
 * for nodes. A new leader {@link #reset resets} them: every registration gets a fresh TTL from the
 * moment it took over, since the old leader's renewals are lost with it.
 */
public final class Renewals {
    private final Heartbeats renewals;

    public Renewals(Instant graceStart) {
        this.renewals = new Heartbeats(graceStart);
    }

    public void reset(Instant now) {
        renewals.reset(now);
    }

    public void renew(String id, Instant now) {
        renewals.record(id, now);
    }

    public void forget(String id) {
        renewals.forget(id);
    }

    /** The latest of: the last renewal, the grace start, and the registration itself. */
    public Instant lastSeen(String id, Instant registeredAt) {
        Instant seen = renewals.lastSeen(id);
        return seen.isAfter(registeredAt) ? seen : registeredAt;
    }
}
