package io.flotilla.model;

/** A stored node: identity, the operator's spec, and its observed status. */
public record Node(String id, NodeSpec spec, NodeStatus status) {
    public Node {
        Checks.requireText(id, "node id");
        java.util.Objects.requireNonNull(spec, "spec");
        java.util.Objects.requireNonNull(status, "status");
    }

    public Node withStatus(NodeStatus newStatus) {
        return new Node(id, spec, newStatus);
    }

    public Node withSpec(NodeSpec newSpec) {
        return new Node(id, newSpec, status);
    }
}
