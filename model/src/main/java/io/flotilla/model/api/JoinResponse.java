package io.flotilla.model.api;

import io.flotilla.model.NodeRole;
import java.util.List;

/**
 * The answer to a join: the node's role in the cluster and the managers it should talk to, and
 * its TLS credential: the certificate signed for the CSR it sent (CN = node id, OU = role), the
 * cluster CA certificate, and — for a manager only, so that any manager can sign — the CA key, and
 * the cluster data key that seals secrets and configs ({@code dataKey}, base64; so that any manager
 * can open them). The TLS fields are null from a manager without TLS (tests).
 */
public record JoinResponse(String clusterId, String nodeId, NodeRole role, List<ManagerPeer> managers,
                           String certificate, String caCertificate, String caKey, String dataKey) {
    public JoinResponse {
        managers = managers == null ? List.of() : List.copyOf(managers);
    }

    /** Without the cluster data key (a worker's answer). */
    public JoinResponse(String clusterId, String nodeId, NodeRole role, List<ManagerPeer> managers,
                        String certificate, String caCertificate, String caKey) {
        this(clusterId, nodeId, role, managers, certificate, caCertificate, caKey, null);
    }

    public JoinResponse(String clusterId, String nodeId, NodeRole role, List<ManagerPeer> managers) {
        this(clusterId, nodeId, role, managers, null, null, null);
    }

    @Override
    public String toString() {
        return "JoinResponse[clusterId=" + clusterId + ", nodeId=" + nodeId + ", role=" + role + ", managers="
                + managers + (caKey == null ? "" : ", caKey=(hidden)") + (dataKey == null ? "" : ", dataKey=(hidden)") + "]";
    }
}
