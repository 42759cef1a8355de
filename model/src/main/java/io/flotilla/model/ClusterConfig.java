package io.flotilla.model;

/**
 * The cluster's identity and the tokens a node must show to join it, as the replicated state
 * holds it. The tokens live in the Raft log and snapshots on the managers' disks (as Swarm keeps
 * them in its Raft store) so that every manager can check them and print them; the API shows them
 * only through {@code GET /v1/cluster/join-token/{role}}, never in {@code /v1/state}.
 *
 * @param clusterId     made once at {@code flotilla init}; every token names it
 * @param workerToken   joins a node as a worker
 * @param managerToken  joins a node as a manager
 */
public record ClusterConfig(String clusterId, String workerToken, String managerToken) {
    public ClusterConfig {
        Checks.requireText(clusterId, "clusterId");
        Checks.requireText(workerToken, "workerToken");
        Checks.requireText(managerToken, "managerToken");
    }

    public String token(NodeRole role) {
        return role == NodeRole.MANAGER ? managerToken : workerToken;
    }

    public ClusterConfig withToken(NodeRole role, String token) {
        return role == NodeRole.MANAGER ? new ClusterConfig(clusterId, workerToken, token)
                : new ClusterConfig(clusterId, token, managerToken);
    }

    @Override
    public String toString() {
        return "ClusterConfig[clusterId=" + clusterId + ", tokens hidden]";
    }
}
