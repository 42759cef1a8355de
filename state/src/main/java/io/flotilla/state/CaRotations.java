package io.flotilla.state;

import io.flotilla.model.CaRotation;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Node;

/**
 * How a root CA rotation moves through the state: started once (a second start while one runs is
 * a no-op), each node counted when a manager issues it a certificate of the new root, and ended
 * by the apply that finds every node of the cluster counted (a renewal, or the removal of the
 * last node that had not renewed): the new root becomes the cluster's only root.
 */
final class CaRotations {
    private CaRotations() {}

    static ClusterState start(ClusterState state, CaRotation rotation) {
        ClusterConfig cluster = state.cluster();
        if (cluster == null || cluster.caRotation() != null) {
            return state;
        }
        return completeIfDone(state.withCluster(cluster.withCa(cluster.caRoot(), rotation)));
    }

    static ClusterState issued(ClusterState state, String nodeId, String rootDigest) {
        ClusterConfig cluster = state.cluster();
        if (cluster == null || cluster.caRotation() == null || !cluster.caRotation().rootDigest().equals(rootDigest)
                || state.node(nodeId).isEmpty()) {
            return state;
        }
        return completeIfDone(state.withCluster(cluster.withCa(cluster.caRoot(), cluster.caRotation().withRenewed(nodeId))));
    }

    static ClusterState completeIfDone(ClusterState state) {
        ClusterConfig cluster = state.cluster();
        if (cluster == null || cluster.caRotation() == null) {
            return state;
        }
        CaRotation rotation = cluster.caRotation();
        for (Node node : state.nodes()) {
            if (!rotation.renewed().contains(node.id())) {
                return state;
            }
        }
        return state.withCluster(cluster.withCa(rotation.rootPem(), null));
    }
}
