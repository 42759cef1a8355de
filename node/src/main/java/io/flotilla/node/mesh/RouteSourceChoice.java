package io.flotilla.node.mesh;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;

/**
 * Which state a manager's mesh routes from, each round of its feeder: the manager's own (its Raft
 * log as applied here), or the leader's as the node's stream of the managers' registry brings it
 * (what a worker's mesh routes from: the agent's session and its watch are on the leader).
 *
 * <p>A manager's own state is normally the fresher: it applies an entry as soon as it is committed.
 * But a follower can fall behind for as long as its leader cannot bring it up to date: started
 * again after a kill, back from a partition, or with replication stuck (a chaos run saw a restarted
 * manager apply nothing for 20 s while its leader's appends were refused as inconsistent). Its mesh
 * then routes to tasks that are gone, and does not know their replacements. The stream says how far
 * behind it is: every change and every heartbeat carries the leader's index (the same Raft index
 * the manager's state is numbered by).
 *
 * <p>The rule:
 * <ul>
 *   <li>A worker routes from the stream (it has nothing else).</li>
 *   <li>A manager that leads serves its first table from its own state at once. Any other
 *       manager's first table waits for one of: the stream (then the own state if it holds every
 *       index the stream reported, else the stream); the own state caught up with a leader by
 *       Raft's measure and {@link #STREAM_WAIT} gone by; {@link #CATCH_UP_WAIT} gone by (no leader,
 *       no stream: the own state, as a mesh cut off from the managers does).</li>
 *   <li>After that, a manager switches to the stream when its own state has lacked an index the
 *       stream reported for {@link #LAG_NANOS} or more, and back to its own state once that holds
 *       every index the stream reported. A follower's usual lag (milliseconds) never switches;
 *       the switch back needs no wait, so the two do not alternate.</li>
 * </ul>
 *
 * <p>Not thread-safe: the feeder's thread only. Times are {@link System#nanoTime} values.
 */
final class RouteSourceChoice {
    /** Where the table comes from this round. */
    enum Choice { WAIT, OWN, LEADER }

    /** The longest a manager's first table waits for a leader or the stream. */
    static final long CATCH_UP_WAIT = TimeUnit.SECONDS.toNanos(10);
    /** How long a manager caught up by Raft's measure waits for the stream before its first table. */
    static final long STREAM_WAIT = TimeUnit.SECONDS.toNanos(2);
    /** How long the own state may lack an index the stream reported before the mesh routes from the stream. */
    static final long LAG_NANOS = TimeUnit.SECONDS.toNanos(1);
    /** Samples kept; past this the newest one takes the newer index (its time is older: the lag only looks longer). */
    private static final int MAX_SAMPLES = 1024;

    /** {index, when it was first reported}, index increasing: the reports the own state does not hold yet. */
    private final ArrayDeque<long[]> reported = new ArrayDeque<>();
    private long newest = -1;
    private boolean served;
    private boolean fromLeader;

    /**
     * Decides this round.
     *
     * @param manager     whether the node runs a manager now (else: a worker)
     * @param ownIndex    the manager's state index (ignored for a worker)
     * @param ownCaughtUp whether the manager leads, or knows a leader and applied what it knows committed
     * @param ownLeads    whether the manager leads (its first table needs no stream)
     * @param streamIndex the leader's index as the stream last reported it; -1 before it reported any
     * @param now         the time now
     * @param waited      how long the feeder has run
     */
    Choice choose(boolean manager, long ownIndex, boolean ownCaughtUp, boolean ownLeads, long streamIndex, long now,
                  long waited) {
        if (!manager) {
            served = true;
            fromLeader = true;
            return Choice.LEADER;
        }
        record(streamIndex, now);
        forget(ownIndex);
        if (!served) {
            if (ownLeads) {
                fromLeader = false;
            } else if (streamIndex >= 0) {
                fromLeader = ownIndex < streamIndex;
            } else if (ownCaughtUp ? waited < STREAM_WAIT : waited < CATCH_UP_WAIT) {
                return Choice.WAIT;
            } else {
                fromLeader = false;
            }
            served = true;
        } else if (streamIndex < 0) {
            fromLeader = false;
        } else if (fromLeader) {
            fromLeader = !reported.isEmpty();
        } else {
            fromLeader = lagNanos(now) >= LAG_NANOS;
        }
        return fromLeader ? Choice.LEADER : Choice.OWN;
    }

    /** How long ago the stream first reported an index the own state does not hold yet; 0 if it holds them all. */
    long lagNanos(long now) {
        long[] oldest = reported.peekFirst();
        return oldest == null ? 0 : now - oldest[1];
    }

    private void record(long streamIndex, long now) {
        if (streamIndex <= newest) {
            return;
        }
        newest = streamIndex;
        if (reported.size() >= MAX_SAMPLES) {
            reported.peekLast()[0] = streamIndex;
        } else {
            reported.addLast(new long[] {streamIndex, now});
        }
    }

    private void forget(long ownIndex) {
        while (!reported.isEmpty() && reported.peekFirst()[0] <= ownIndex) {
            reported.removeFirst();
        }
    }
}
