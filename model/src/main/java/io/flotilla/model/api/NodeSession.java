package io.flotilla.model.api;

import io.flotilla.model.NodeSpec;
import java.util.List;

/**
 * What a node follows of the cluster besides its tasks, carried by every answer of its assignment
 * long poll ({@link AssignmentSet#session()}): the one connection a worker keeps to the managers.
 * Made by the leader from its state when it answers; the poll also answers when any of it changes.
 *
 * @param node     the node's spec as the state has it (role, availability, labels); null: the node
 *                 was removed from the cluster
 * @param managers the managers' Raft group as joins are told of it (id, API, Raft address)
 * @param mesh     every service as the routing mesh needs it ({@code GET /v1/discovery/mesh}'s answer)
 * @param ca       which root CA signs now, so a node fetches {@code GET /v1/cluster/ca} only when it changes
 * @param networks the overlay networks the node has tasks on, as its data plane, DNS and mesh need
 *                 them (absent from an older manager: none)
 */
public record NodeSession(NodeSpec node, List<ManagerPeer> managers, MeshServices mesh, CaIdentity ca,
                          NetworkDirectory networks) {
    public NodeSession {
        managers = managers == null ? List.of() : List.copyOf(managers);
        networks = networks == null ? NetworkDirectory.EMPTY : networks;
    }

    public NodeSession(NodeSpec node, List<ManagerPeer> managers, MeshServices mesh, CaIdentity ca) {
        this(node, managers, mesh, ca, null);
    }

    /** True when the state no longer knows the node (removed: {@code node rm}). */
    public boolean removed() {
        return node == null;
    }

    /**
     * The cluster CA as far as a node must notice a change: the digest of the root that signs now,
     * whether a rotation runs, and whether the node's certificate of that root is counted.
     *
     * @param rootDigest SHA-256 (hex) of the signing root; null when the answering manager cannot tell (no TLS)
     * @param rotating   a rotation is under way (two roots trusted)
     * @param renewed    during a rotation, whether this node's renewal to the new root was counted
     */
    public record CaIdentity(String rootDigest, boolean rotating, boolean renewed) {}
}
