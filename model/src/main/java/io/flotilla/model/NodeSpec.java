package io.flotilla.model;

import java.util.Map;

/** What the operator says about a node. */
public record NodeSpec(NodeRole role, NodeAvailability availability, Map<String, String> labels) {
    public NodeSpec {
        role = role == null ? NodeRole.WORKER : role;
        availability = availability == null ? NodeAvailability.ACTIVE : availability;
        labels = Checks.map(labels);
    }
}
