package io.flotilla.mesh;

import java.util.ArrayList;
import java.util.List;

/**
 * Which backend one HTTP request tries next, and whether it may try another: balanced per request
 * by {@link Balancer} (the sticky cookie it brought, or its client's address), never the same
 * backend twice, at most {@link MeshRuntime#maxAttempts} backends, and at most one retry after a
 * backend took the request (a reused connection that failed before any answer does not count):
 * only for an idempotent request whose body is kept, when the mesh's options allow it.
 */
final class BackendChoice {
    private RouteState route;
    private final String clientIp;
    private final String stickyId;
    private final int maxAttempts;
    private final boolean retryable;
    private List<BackendState> tried = List.of();
    /** Of {@link #tried}: backends the request never reached (connect failed): they count against no limit. */
    private int unreachable;
    private boolean retried;

    BackendChoice(RouteState route, String clientIp, String stickyId, boolean idempotent, MeshRuntime runtime) {
        this.route = route;
        this.clientIp = clientIp;
        this.stickyId = stickyId;
        this.maxAttempts = runtime.maxAttempts;
        this.retryable = idempotent && runtime.retryIdempotent;
    }

    /**
     * The backend to try next, or null when there is none left or {@code maxAttempts} took the
     * request; backends it never reached do not count (a rolling update's stopped tasks refuse at once).
     */
    BackendState next() {
        return tried.size() - unreachable >= maxAttempts ? null : Balancer.pick(route, clientIp, stickyId, tried);
    }

    int triedCount() {
        return tried.size();
    }

    /** The backends tried since the request last went on to a newer route (what a 502 names). */
    List<BackendState> tried() {
        return tried;
    }

    /** A backend that could not be reached: the request never got there, so this is no retry. */
    void unreachable(BackendState backend) {
        unreachable++;
        triedAlso(backend);
    }

    /**
     * A pooled connection, reused for this request, failed before any response byte: the backend
     * may have closed it while it idled (keep-alive's race), or its task is gone (a rolling update
     * stopped it before this node's table dropped it). An idempotent request with a kept body then
     * goes elsewhere without spending its one retry; still at most {@code maxAttempts} backends.
     */
    boolean staleConnection(BackendState used) {
        if (!retryable) {
            return false;
        }
        route.retries.increment();
        triedAlso(used);
        return true;
    }

    /**
     * Whether {@link #next} found none only because every backend of the route was tried, not because
     * {@code maxAttempts} took the request: the ones left refused, or failed on a stale pooled
     * connection, and a newer table may list others ({@link RouteRefresh} waits for one). The request
     * is on its way to a backend then (first, or its one retry), so it may go on to the newer route.
     */
    boolean outOfBackends() {
        return !tried.isEmpty() && tried.size() - unreachable < maxAttempts;
    }

    /** The request goes on to {@code fresh}, a newer table's route, with every backend untried again. */
    void reroute(RouteState fresh) {
        route = fresh;
        tried = List.of();
        unreachable = 0;
    }

    /** Whether the request may go once more, elsewhere, after a backend took it. */
    boolean mayRetry() {
        return retryable && !retried;
    }

    /** The request goes once more, elsewhere, after {@code used} took it. */
    void retrying(BackendState used) {
        retried = true;
        route.retries.increment();
        triedAlso(used);
    }

    /** Whether the response from {@code used} sets the sticky cookie: the route wants one and the request did not name {@code used}. */
    boolean setsCookie(BackendState used) {
        return stickyId == null && route.route.balancing() == MeshRoute.Balancing.STICKY_COOKIE
                || stickyId != null && !stickyId.equals(used.backend.id());
    }

    private void triedAlso(BackendState backend) {
        if (tried.isEmpty()) {
            tried = new ArrayList<>(2);
        }
        tried.add(backend);
    }
}
