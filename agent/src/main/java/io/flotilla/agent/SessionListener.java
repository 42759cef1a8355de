package io.flotilla.agent;

import io.flotilla.model.api.NodeSession;

/**
 * Follows the node's session as the agent's long poll receives it ({@link NodeSession}: the
 * node's spec, the managers, the mesh's services, the CA). Called on the agent's session thread,
 * each time the session differs from the last one given: keep it short (hand the work to a thread
 * of your own).
 */
public interface SessionListener {
    /** The node's session as of the latest answer. */
    void session(NodeSession session);

    /**
     * A manager refused this node's own certificate ({@code 403}): it was removed from the
     * cluster and its certificate revoked. Called on each refusal.
     */
    default void refused(String reason) {}
}
