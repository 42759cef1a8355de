package io.flotilla.mesh;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * How a node's mesh learns whether its table lags behind the cluster. A node that feeds the mesh
 * from a state it may hold late (a manager's own Raft state, behind its leader after a restart or a
 * healed partition) gives one to {@link Mesh#catchUpWith}; {@link RouteRefresh} asks it when every
 * backend a request's table listed has refused, and waits past its usual limit while the node is
 * still catching up.
 */
@FunctionalInterface
public interface TableCatchUp {
    /** A node whose table is as new as its source can tell (a worker's, fed by the managers' watch). */
    TableCatchUp NONE = () -> CompletableFuture.completedFuture(null);

    /**
     * Completes once this node's table holds every change the cluster had committed when it was
     * called; completes exceptionally when that cannot be known (no leader reachable). Called on an
     * event loop: it must not block, and calls made close together may share one answer.
     */
    CompletionStage<?> caughtUp();
}
