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
 */
final class RouteRefresh {
    /** The longest a request waits for a newer table: longer than a table takes to reach a node after a change. */
    static final long WAIT_NANOS = TimeUnit.SECONDS.toNanos(2);
    /** How often a waiting request looks at the table (a table is swapped in whole: one volatile read). */
    static final long POLL_MILLIS = 20;

    private final Supplier<RouteState> lookup;
    private long deadline;
    private boolean expired;

    /** @param lookup the route the request would match now, or null when the table has none for it */
    RouteRefresh(Supplier<RouteState> lookup) {
        this.lookup = lookup;
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
        if (deadline == 0) {
            deadline = System.nanoTime() + WAIT_NANOS;
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
            boolean over = now == null || System.nanoTime() - deadline >= 0;
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
}
