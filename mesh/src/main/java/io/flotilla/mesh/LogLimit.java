package io.flotilla.mesh;

import java.util.concurrent.atomic.AtomicLong;

/** At most one log line per period, from any thread: the first caller after the period wins. */
final class LogLimit {
    private final long periodNanos;
    private final AtomicLong next = new AtomicLong(Long.MIN_VALUE);

    LogLimit(long periodNanos) {
        this.periodNanos = periodNanos;
    }

    /** Whether the caller may log now. */
    boolean tryAcquire() {
        long now = System.nanoTime();
        long due = next.get();
        return (due == Long.MIN_VALUE || now - due >= 0) && next.compareAndSet(due, now + periodNanos);
    }
}
