package io.flotilla.state;

import io.flotilla.model.Node;
import java.util.Collection;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/** The nodes of a {@link ClusterState}, immutable, by id. */
final class NodeTable {
    static final NodeTable EMPTY = new NodeTable(HashTreePMap.empty());

    private final PMap<String, Node> nodes;

    private NodeTable(PMap<String, Node> nodes) {
        this.nodes = nodes;
    }

    Collection<Node> all() {
        return nodes.values();
    }

    Optional<Node> get(String id) {
        return Optional.ofNullable(nodes.get(id));
    }

    NodeTable put(Node node) {
        return new NodeTable(nodes.plus(node.id(), node));
    }

    NodeTable remove(String nodeId) {
        return new NodeTable(nodes.minus(nodeId));
    }
}
