package io.flotilla.manager.cluster;

import io.flotilla.model.NodeAvailability;
import java.util.List;

/** {@code POST /v1/nodes/{ref}/update}: any of availability, labels to add ({@code k=v}), labels to remove. */
public record NodeUpdateRequest(NodeAvailability availability, List<String> labelAdd, List<String> labelRm) {
    public NodeUpdateRequest {
        labelAdd = labelAdd == null ? List.of() : List.copyOf(labelAdd);
        labelRm = labelRm == null ? List.of() : List.copyOf(labelRm);
    }
}
