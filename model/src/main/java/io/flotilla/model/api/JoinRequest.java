package io.flotilla.model.api;

import io.flotilla.model.Checks;

/**
 * {@code POST /v1/cluster/join}: a node asks to join. The token decides the role (worker or
 * manager). {@code nodeId} is made by the joiner and kept in its data dir, so a retried join is
 * the same node.
 *
 * @param advertise the node's address ({@code host}, or {@code host:port} of its API)
 * @param csr       a PEM certificate signing request for a key the node made and keeps; the
 *                  answer carries the certificate (required by a manager that serves TLS)
 */
public record JoinRequest(String token, String nodeId, String hostname, String advertise, String csr) {
    public JoinRequest {
        Checks.requireText(token, "token");
        Checks.requireText(nodeId, "nodeId");
        Checks.requireText(advertise, "advertise");
    }

    public JoinRequest(String token, String nodeId, String hostname, String advertise) {
        this(token, nodeId, hostname, advertise, null);
    }
}
