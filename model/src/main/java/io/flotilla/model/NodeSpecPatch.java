package io.flotilla.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an operator changes of a node's spec ({@code node update}, {@code promote}, {@code demote}),
 * applied by the state machine to the spec as it is when the entry applies. A manager that logged
 * the whole new spec, computed from its own state, wrote back old labels when that state was behind
 * (a follower, a restarted manager catching up): two label updates sent at once through different
 * managers undid one another, acknowledged (found by {@code bench chaos}).
 *
 * @param role         the new role; null: unchanged
 * @param availability the new availability; null: unchanged
 * @param labelAdd     labels set (added or replaced)
 * @param labelRm      label keys removed (after the adds)
 */
public record NodeSpecPatch(NodeRole role, NodeAvailability availability, Map<String, String> labelAdd,
                            List<String> labelRm) {
    public NodeSpecPatch {
        labelAdd = Checks.map(labelAdd);
        labelRm = Checks.list(labelRm);
    }

    public static NodeSpecPatch role(NodeRole role) {
        return new NodeSpecPatch(role, null, Map.of(), List.of());
    }

    public NodeSpec applyTo(NodeSpec spec) {
        Map<String, String> labels = new LinkedHashMap<>(spec.labels());
        labels.putAll(labelAdd);
        labelRm.forEach(labels::remove);
        return new NodeSpec(role != null ? role : spec.role(), availability != null ? availability : spec.availability(),
                labels);
    }
}
