package io.flotilla.model.api;

import io.flotilla.model.Command.TaskStatusUpdate;
import java.util.List;

/** Task statuses an agent observed; also its heartbeat. */
public record StatusReport(String nodeId, List<TaskStatusUpdate> updates) {
    public StatusReport {
        updates = updates == null ? List.of() : List.copyOf(updates);
    }
}
