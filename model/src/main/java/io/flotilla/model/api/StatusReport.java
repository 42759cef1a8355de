package io.flotilla.model.api;

import io.flotilla.model.Command.TaskStatusUpdate;
import java.util.List;

/**
 * Task statuses an agent observed; also its heartbeat.
 *
 * @param mesh the node's mesh counters, sent every few seconds rather than with every heartbeat;
 *             null when this report carries none
 */
public record StatusReport(String nodeId, List<TaskStatusUpdate> updates, MeshTraffic mesh) {
    public StatusReport {
        updates = updates == null ? List.of() : List.copyOf(updates);
    }

    public StatusReport(String nodeId, List<TaskStatusUpdate> updates) {
        this(nodeId, updates, null);
    }
}
