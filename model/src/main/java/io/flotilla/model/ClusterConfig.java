package io.flotilla.model;

import java.util.Collections;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * The cluster's identity, the tokens a node must show to join it, and the identities it no longer
 * trusts, as the replicated state holds them. The tokens live in the Raft log and snapshots on the
 * managers' disks (as Swarm keeps them in its Raft store) so that every manager can check them and
 * print them; the API shows them only through {@code GET /v1/cluster/join-token/{role}}, never in
 * {@code /v1/state}.
 *
 * <p>{@code removedNodes} is the deny list: the id of every node removed with {@code node rm}.
 * A certificate names its node by id, and a removed node's certificate stays valid until it
 * expires, so every manager refuses these ids at every handshake and API call from the moment the
 * removal is applied. Node ids are never reused (a joining node draws a new random id, and a join
 * under an id the cluster has seen is refused), so the list never refuses a new node.
 *
 * @param clusterId     made once at {@code flotilla init}; every token names it
 * @param workerToken   joins a node as a worker
 * @param managerToken  joins a node as a manager
 * <p>{@code caRoot} is the root CA certificate the cluster trusts, once a rotation replaced the one
 * made at init (before that, null: the root is the one in every node's {@code tls/ca.crt});
 * {@code caRotation} is the rotation under way, if any ({@link CaRotation}).
 *
 * @param removedNodes  ids of removed nodes, whose certificates are refused (null: none)
 * @param caRoot        the root CA certificate (PEM) after the last completed rotation; null before any
 * @param caRotation    the CA rotation under way; null when none is
 * @param networkPool   where networks' subnets come from (null: {@link NetworkPool#DEFAULT})
 */
public record ClusterConfig(String clusterId, String workerToken, String managerToken, SortedSet<String> removedNodes,
                            String caRoot, CaRotation caRotation, NetworkPool networkPool) {
    public ClusterConfig {
        Checks.requireText(clusterId, "clusterId");
        Checks.requireText(workerToken, "workerToken");
        Checks.requireText(managerToken, "managerToken");
        removedNodes = removedNodes == null || removedNodes.isEmpty() ? Collections.emptySortedSet()
                : Collections.unmodifiableSortedSet(new TreeSet<>(removedNodes));
        networkPool = networkPool == null ? NetworkPool.DEFAULT : networkPool;
    }

    public ClusterConfig(String clusterId, String workerToken, String managerToken, SortedSet<String> removedNodes,
                         String caRoot, CaRotation caRotation) {
        this(clusterId, workerToken, managerToken, removedNodes, caRoot, caRotation, null);
    }

    public ClusterConfig(String clusterId, String workerToken, String managerToken) {
        this(clusterId, workerToken, managerToken, null);
    }

    public ClusterConfig(String clusterId, String workerToken, String managerToken, SortedSet<String> removedNodes) {
        this(clusterId, workerToken, managerToken, removedNodes, null, null);
    }

    public String token(NodeRole role) {
        return role == NodeRole.MANAGER ? managerToken : workerToken;
    }

    public ClusterConfig withToken(NodeRole role, String token) {
        return role == NodeRole.MANAGER ? new ClusterConfig(clusterId, workerToken, token, removedNodes, caRoot, caRotation, networkPool)
                : new ClusterConfig(clusterId, token, managerToken, removedNodes, caRoot, caRotation, networkPool);
    }

    /** True if {@code nodeId} was removed from the cluster: its certificates are refused. */
    public boolean removed(String nodeId) {
        return nodeId != null && removedNodes.contains(nodeId);
    }

    /** This config with {@code nodeIds} added to the deny list. */
    public ClusterConfig withRemoved(java.util.Collection<String> nodeIds) {
        if (removedNodes.containsAll(nodeIds)) {
            return this;
        }
        TreeSet<String> all = new TreeSet<>(removedNodes);
        all.addAll(nodeIds);
        return new ClusterConfig(clusterId, workerToken, managerToken, all, caRoot, caRotation, networkPool);
    }

    /** This config with {@code caRoot} and {@code caRotation} as given (a rotation starting or ending). */
    public ClusterConfig withCa(String caRoot, CaRotation caRotation) {
        return new ClusterConfig(clusterId, workerToken, managerToken, removedNodes, caRoot, caRotation, networkPool);
    }

    @Override
    public String toString() {
        return "ClusterConfig[clusterId=" + clusterId + ", tokens hidden, " + removedNodes.size() + " removed nodes"
                + (caRotation == null ? "" : ", " + caRotation) + "]";
    }
}
