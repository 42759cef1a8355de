package io.flotilla.manager.dispatcher;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * When each node was last heard of, in the leader's memory only (never in the log). A new leader
 * {@link #reset resets} them to its start: every node gets a fresh grace period before it can be
 * judged down, since the old leader's heartbeats are lost.
 *
 * <p>Two instants matter for fencing (see {@link NodeLiveness}): the last heartbeat this leader
 * really received from a node, and when this leader started leading. An agent's lease ends at
 * most a lease after a report the leader answered, and this leader answered none before it led;
 * but the previous leader may have, up to the moment this one took over.
 *
 * <p>A node's silence does not count the time this leader itself stood still: heartbeats that
 * arrived meanwhile wait unread in its sockets, and a verdict on waking would judge nodes by its
 * own silence (the chaos run saw a leader wake from a 1.3 s stall and judge three live nodes down).
 * {@link StallWatch} marks every {@link #WATCH_PERIOD} that the process runs ({@link #running}); a
 * mark later than {@link #STALL} after the one before is a stall, and so is the time since the last
 * mark when that is as long, before the watch has woken to say so. Those gaps are measured on the
 * monotonic clock ({@link System#nanoTime}), not on the manager's clock, which tests move by hand.
 * Fencing still counts in real time ({@link #lastPossibleAnswer}): an agent's lease runs out
 * whatever the leader does.
 */
public final class Heartbeats {
    private final Map<String, Instant> lastSeen = new ConcurrentHashMap<>();
    private volatile Instant graceStart;
    private volatile Instant leadershipStart;
    /** The latest stalls of this leader, oldest first; guarded by itself. */
    private final Deque<Instant[]> stalls = new ArrayDeque<>();
    /** How many stalls are remembered: more than fit in any silence a verdict looks at. */
    static final int MAX_STALLS = 64;
    /** How often {@link StallWatch} marks that the process runs. */
    public static final Duration WATCH_PERIOD = Duration.ofMillis(50);
    /** A gap between two marks longer than this is a stall (a busy machine delays a waking thread by less). */
    public static final Duration STALL = Duration.ofMillis(300);
    /** The {@link System#nanoTime} of the last mark of {@link #running}; none: no watch (tests, the simulation). Guarded by {@link #stalls}. */
    private long lastMark;
    private boolean marked;
    /** The monotonic clock the time since the last mark is read from (a test's own). */
    private volatile LongSupplier ticker = System::nanoTime;

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
        synchronized (stalls) {
            stalls.clear(); // before the new grace start: no silence counts them
        }
        lastSeen.clear();
        graceStart = newGraceStart;
        leadershipStart = newLeadershipStart;
    }

    public void record(String nodeId, Instant now) {
        lastSeen.merge(nodeId, now, (old, next) -> next.isAfter(old) ? next : old);
    }

    /**
     * The process runs at {@code now}, {@code nanos} on the monotonic clock ({@link StallWatch});
     * returns how long it stood still before, if that was a stall ({@link Duration#ZERO} otherwise):
     * the time since the mark before, less the period the watch slept.
     */
    public Duration running(Instant now, long nanos) {
        synchronized (stalls) {
            long gap = nanos - lastMark;
            boolean first = !marked;
            marked = true;
            lastMark = nanos;
            if (first || gap <= STALL.toNanos()) {
                return Duration.ZERO;
            }
            Duration stalled = Duration.ofNanos(gap).minus(WATCH_PERIOD);
            excuse(now.minus(stalled), now);
            return stalled;
        }
    }

    /** Reads the time since the last mark from {@code monotonic} instead of {@link System#nanoTime} (tests). */
    void ticker(LongSupplier monotonic) {
        this.ticker = monotonic;
    }

    /** This leader stood still from {@code from} to {@code to}: no node's silence counts that time. */
    public void excuse(Instant from, Instant to) {
        if (!to.isAfter(from)) {
            return;
        }
        synchronized (stalls) {
            stalls.addLast(new Instant[] {from, to});
            if (stalls.size() > MAX_STALLS) {
                stalls.removeFirst();
            }
        }
    }

    /**
     * How long {@code nodeId} has been silent at {@code now}: since {@link #lastSeen}, less the time
     * this leader stood still meanwhile ({@link #excuse}).
     */
    public Duration silence(String nodeId, Instant now) {
        Instant since = lastSeen(nodeId);
        return Duration.between(since, now).minus(stalled(since, now));
    }

    /** How much of {@code from}..{@code to} this leader stood still. */
    public Duration stalled(Instant from, Instant to) {
        Duration total = Duration.ZERO;
        synchronized (stalls) {
            for (Instant[] stall : stalls) {
                total = total.plus(overlap(stall[0], stall[1], from, to));
            }
            long gap = ticker.getAsLong() - lastMark;
            if (marked && gap > STALL.toNanos()) { // a stall the watch has not woken to mark yet
                total = total.plus(overlap(to.minus(Duration.ofNanos(gap).minus(WATCH_PERIOD)), to, from, to));
            }
        }
        return total;
    }

    private static Duration overlap(Instant start, Instant end, Instant from, Instant to) {
        Instant a = start.isAfter(from) ? start : from;
        Instant b = end.isBefore(to) ? end : to;
        return b.isAfter(a) ? Duration.between(a, b) : Duration.ZERO;
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
