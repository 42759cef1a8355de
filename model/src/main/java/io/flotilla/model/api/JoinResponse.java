package io.flotilla.model.api;

import io.flotilla.model.NodeRole;
import java.util.List;

/** The answer to a join: the node's role in the cluster and the managers it should talk to. */
public record JoinResponse(String clusterId, String nodeId, NodeRole role, List<ManagerPeer> managers) {
    public JoinResponse {
        managers = managers == null ? List.of() : List.copyOf(managers);
    }
}
