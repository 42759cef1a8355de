package io.flotilla.model;

/**
 * The cluster's identity and what a node must show to join it, as the replicated state holds it.
 * Join tokens are never stored: only their SHA-256 hashes (hex), so a copy of the log or of a
 * snapshot does not let anyone join.
 *
 * @param clusterId        made once at {@code flotilla init}; every token names it
 * @param workerTokenHash  hash of the token that joins a node as a worker
 * @param managerTokenHash hash of the token that joins a node as a manager
 */
public record ClusterConfig(String clusterId, String workerTokenHash, String managerTokenHash) {
    public ClusterConfig {
        Checks.requireText(clusterId, "clusterId");
        Checks.requireText(workerTokenHash, "workerTokenHash");
        Checks.requireText(managerTokenHash, "managerTokenHash");
    }

    /** The hash a token of {@code role} must have. */
    public String tokenHash(NodeRole role) {
        return role == NodeRole.MANAGER ? managerTokenHash : workerTokenHash;
    }

    public ClusterConfig withTokenHash(NodeRole role, String hash) {
        return role == NodeRole.MANAGER ? new ClusterConfig(clusterId, workerTokenHash, hash)
                : new ClusterConfig(clusterId, hash, managerTokenHash);
    }
}
