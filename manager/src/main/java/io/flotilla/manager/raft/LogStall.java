package io.flotilla.manager.raft;

import java.time.Duration;
import org.apache.ratis.server.raftlog.RaftLog;

/**
 * Finds a Raft log that stopped writing: entries are in the log (appended by this leader, or
 * received from one) but none has reached the disk for {@link #LIMIT}. Ratis' log worker fails for
 * good after one failed write (a full disk when a segment starts, say): every later write fails
 * with "Log already failed", the peer takes part in nothing, and it never recovers by itself, even
 * once the disk has room again. Only some of those failures reach the state machine
 * ({@code notifyLogFailed}), so the log's own indexes are watched instead. Not thread-safe: one
 * caller polls it (the node's watch, every second).
 */
final class LogStall {
    /** How long entries may wait for the disk before the log counts as failed; a healthy log flushes in milliseconds. */
    static final Duration LIMIT = Duration.ofSeconds(5);
    /** What the operator does about a failed log (the node's exit message ends with it). */
    static final String RESTART_ADVICE = "make room in the data dir and start the node again on it (a service manager"
            + " restarting it on failure does)";

    private long flushed = Long.MIN_VALUE;
    /** Whether the last check saw entries waiting; {@link #since}: when the wait, as seen, began. */
    private boolean waiting;
    private long since;

    /** {@link #check(long, long, long)} on {@code log}'s indexes, now; null once the log is closed (it writes nothing). */
    String check(RaftLog log) {
        try {
            return check(log.getNextIndex() - 1, log.getFlushIndex(), System.nanoTime());
        } catch (IllegalStateException closed) {
            return null; // closed with its division (removed from the group, or a failure Ratis reported)
        }
    }

    /**
     * @param lastIndex  the log's last entry
     * @param flushIndex the last entry on disk
     * @return why the log counts as failed, or null while it writes (or has nothing to write)
     */
    String check(long lastIndex, long flushIndex, long nowNanos) {
        if (lastIndex <= flushIndex) {
            waiting = false;
            return null;
        }
        if (!waiting || flushIndex != flushed) { // first seen waiting, or the disk moved: the wait starts now
            waiting = true;
            flushed = flushIndex;
            since = nowNanos;
            return null;
        }
        long waited = nowNanos - since;
        if (waited < LIMIT.toNanos()) {
            return null;
        }
        return "its Raft log has written nothing for " + Duration.ofNanos(waited).toSeconds() + " s (entries up to index "
                + lastIndex + " wait, on disk up to " + flushIndex + "): a write failed (a full disk?), and Ratis never"
                + " writes that log again; " + RESTART_ADVICE;
    }
}
