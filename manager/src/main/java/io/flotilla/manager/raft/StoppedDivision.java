package io.flotilla.manager.raft;

import java.time.Duration;
import org.apache.ratis.server.RaftServer;

/**
 * Finds a Raft peer that Ratis closed by itself while the manager still runs: the node would go on
 * answering the API and serving its mesh from a state that never moves again, a zombie manager that
 * takes part in no vote and no commit (a chaos run saw one for four minutes after a restart, its
 * leader sending it appends it refused as "CLOSED"). Ratis closes a peer on an error of its state
 * machine updater, when the leader tells a candidate it is no longer in the group, or when a leader
 * removed itself; only the first two leave a manager that should still be one. A manager that was
 * removed from the group sees its peer close a moment before its node turns it into a worker (and
 * closes the store), so a peer counts as stopped only once it has been closed for {@link #LIMIT}.
 * Not thread-safe: one caller polls it (the node's watch, every second).
 */
final class StoppedDivision {
    /** How long a peer may stay closed before the manager counts as stopped: its node turns a removed manager into a worker well within it. */
    static final Duration LIMIT = Duration.ofSeconds(10);

    private final long limitNanos;
    private boolean closedSeen;
    private long since;

    StoppedDivision() {
        this(LIMIT);
    }

    /** With another limit (tests). */
    StoppedDivision(Duration limit) {
        this.limitNanos = limit.toNanos();
    }

    /** {@link #check(boolean, long)} on {@code division}, now. */
    String check(RaftServer.Division division) {
        return check(division.getInfo().isAlive(), System.nanoTime());
    }

    /**
     * @param alive whether the peer is starting or running (not closing or closed)
     * @return why the manager counts as stopped, or null while its peer runs (or has been closed for less than {@link #LIMIT})
     */
    String check(boolean alive, long now) {
        if (alive) {
            closedSeen = false;
            return null;
        }
        if (!closedSeen) {
            closedSeen = true;
            since = now;
        }
        if (now - since < limitNanos) {
            return null;
        }
        return "its Raft peer was closed by Ratis " + java.util.concurrent.TimeUnit.NANOSECONDS.toMillis(now - since) + " ms ago and this manager still runs (it takes"
                + " part in no vote and no commit); start the node again on its data dir (a service manager restarting it"
                + " on failure does)";
    }
}
