package io.flotilla.model.api;

import java.util.List;

/**
 * {@code GET /v1/cluster}: the cluster's id, its leader and its managers (the Raft group) as the
 * leader sees them. {@code quorum}: whether a majority of managers is reachable.
 */
public record ClusterInfo(String clusterId, String leaderId, boolean quorum, List<ManagerStatus> managers) {
    public ClusterInfo {
        managers = managers == null ? List.of() : List.copyOf(managers);
    }
}
