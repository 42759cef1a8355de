package io.flotilla.mesh;

import io.netty.util.concurrent.EventExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * A request (or TCP connection) on its way to a backend, for which every backend of its route left
 * refused (or failed on a stale pooled connection), waits up to {@link #WAIT_NANOS} for this node's
 * routing table to change, then tries the new route. That is its first attempt, or the one retry
 * an idempotent request has after a backend took it and failed it.
 *
 * <p>A node's table can lag behind the cluster. A rolling update's stopped tasks refuse at once
 * until the table that drops them arrives; a manager restarted during an election routes from the
 * state it had until it catches up with the new leader. Once every listed backend has refused, a
 * proxy that knows only its configuration (HAProxy, nginx) can answer 502 and nothing else. The
 * mesh is told of every task change, so it waits for the next table instead. A request that
 * waited in vain gets the same 502 as before, at most {@code WAIT_NANOS} later. A POST waits only
 * when no backend took it (it has no retry): no byte of it reached a backend, so it may go on.
 *
 * <p>A node that can tell whether it lags ({@link TableCatchUp}: a manager asks its Raft leader for
 * the commit index, a read index) is asked when the wait starts. While it is still catching up the
 * request waits past {@code WAIT_NANOS}, up to {@link #MAX_WAIT_NANOS}: a manager back from a
 * partition may take longer than that to apply what it missed (the long chaos run saw it), and
 * until then its table is the only thing wrong. Once it has caught up, the request waits
 * {@link #SETTLE_NANOS} more at most, for the table built from the newer state; if the node cannot
 * tell (no leader), the wait is the usual one.
 */
final class RouteRefresh {
    /** The longest a request waits for a newer table: longer than a table takes to reach a node after a change. */
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How often a waiting request looks at the table (a table is swapped in whole: one volatile read). */
    static final long POLL_MILLIS = 20;
    /** The longest a request waits while its node is still catching up: under a client's usual 5 s timeout. */
    static final long MAX_WAIT_NANOS = TimeUnit.SECONDS.toNanos(4);
    /** After the node caught up: time for its table to be built from the newer state and applied. */
    static final long SETTLE_NANOS = TimeUnit.MILLISECONDS.toNanos(300);
    static final long PENDING = Long.MIN_VALUE;
    static final long FAILED = Long.MAX_VALUE;

    private final Supplier<RouteState> lookup;
    private final TableCatchUp catchUp;
    private long started;
    /** When the node answered that it had caught up; {@link #PENDING} until then, {@link #FAILED} if it could not tell. */
    private volatile long caughtUpAt = PENDING;
    private boolean expired;

    /**
     * @param lookup  the route the request would match now, or null when the table has none for it
     * @param catchUp asked once, when the wait starts, whether this node's table is behind
     */
    RouteRefresh(Supplier<RouteState> lookup, TableCatchUp catchUp) {
        this.lookup = lookup;
        this.catchUp = catchUp;
    }

    /**
     * Starts waiting on {@code loop} for a route other than {@code stale}. Once one is there, or the
     * wait is over (or the route went away), {@code then} runs on {@code loop} with the route now
     * (possibly {@code stale} still, or null), unless {@code abandoned} says the request ended
     * meanwhile. Returns false, doing nothing, when this request has had its wait already.
     */
    boolean await(RouteState stale, EventExecutor loop, BooleanSupplier abandoned, Consumer<RouteState> then) {
        if (expired) {
            return false;
        }
        if (started == 0) {
            started = System.nanoTime();
            askCatchUp();
        }
        schedule(stale, loop, abandoned, then);
        return true;
    }

    private void schedule(RouteState stale, EventExecutor loop, BooleanSupplier abandoned, Consumer<RouteState> then) {
        loop.schedule(() -> {
            if (abandoned.getAsBoolean()) {
                return;
            }
            RouteState now = lookup.get();
            boolean over = now == null || System.nanoTime() - deadline() >= 0;
            if (over) {
                expired = true;
            }
            if (over || now != stale) {
                then.accept(now);
            } else {
                schedule(stale, loop, abandoned, then);
            }
        }, POLL_MILLIS, TimeUnit.MILLISECONDS);
    }

    private void askCatchUp() {
        try {
            catchUp.caughtUp().whenComplete((ignored, failure) -> caughtUpAt = failure == null ? System.nanoTime() : FAILED);
        } catch (RuntimeException e) {
            caughtUpAt = FAILED;
        }
    }

    /** Until when the request waits, as far as is known now. */
    private long deadline() {
        return deadline(started, caughtUpAt);
    }

    /**
     * Until when a request that started waiting at {@code started} waits ({@link System#nanoTime}
     * scale), given when its node answered that it had caught up: {@link #PENDING} while it has not
     * answered, {@link #FAILED} when it could not tell.
     */
    static long deadline(long started, long caughtUpAt) {
        long usual = started + WAIT_NANOS;
        long longest = started + MAX_WAIT_NANOS;
        if (caughtUpAt == FAILED) {
            return usual;
        }
        if (caughtUpAt == PENDING) {
            return longest;
        }
        long settled = caughtUpAt + SETTLE_NANOS;
        if (settled - usual <= 0) {
            return usual;
        }
        return settled - longest > 0 ? longest : settled;
    }
}
