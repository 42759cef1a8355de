package io.flotilla.model;

import java.util.List;

/**
 * deploy.placement. Constraints keep Swarm's syntax ({@code node.role==manager},
 * {@code node.labels.zone!=a}); preferences are the labels to spread over
 * ({@code node.labels.zone}); {@code maxReplicasPerNode} is null when unlimited.
 */
public record PlacementSpec(List<String> constraints, List<String> spreadPreferences, Integer maxReplicasPerNode) {
    public static final PlacementSpec NONE = new PlacementSpec(List.of(), List.of(), null);

    public PlacementSpec {
        constraints = Checks.list(constraints);
        spreadPreferences = Checks.list(spreadPreferences);
    }
}
