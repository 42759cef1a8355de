package io.flotilla.model.api;

import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.Volume;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A named volume as {@code GET /v1/volumes} and {@code volume ls/inspect} show it: the state's
 * {@link Volume} plus where it lives and who uses it, so that the CLI needs no second request.
 *
 * @param scope    {@code local} (the data is on {@code nodeId}) or {@code global} (glusterfs: on any node)
 * @param nodeName the hostname of {@code nodeId} when the node is known, else null
 * @param usedBy   the full names of the services whose wanted tasks use it, sorted
 * @param tasks    those tasks
 */
public record VolumeInfo(String name, String driver, Map<String, String> driverOpts, Map<String, String> labels,
                         boolean external, String scope, String stack, String nodeId, String nodeName,
                         Instant createdAt, String service, int slot, List<String> usedBy, List<VolumeTask> tasks) {
    public VolumeInfo {
        driverOpts = driverOpts == null ? Map.of() : Map.copyOf(driverOpts);
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        usedBy = usedBy == null ? List.of() : List.copyOf(usedBy);
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    /** A task using the volume. */
    public record VolumeTask(String id, String service, int slot, String nodeId, TaskState state) {
        public static VolumeTask of(Task task) {
            return new VolumeTask(task.id(), task.serviceName(), task.slot(), task.nodeId(), task.state());
        }
    }

    public static VolumeInfo of(Volume volume, String nodeName, List<Task> users) {
        List<String> services = users.stream().map(Task::serviceName).distinct().sorted().toList();
        return new VolumeInfo(volume.name(), volume.driver(), volume.options().driverOpts(), volume.labels(),
                volume.options().external(), volume.options().nodeLocal() ? "local" : "global", volume.stack(),
                volume.nodeId(), nodeName, volume.createdAt(), volume.service(), volume.slot(), services,
                users.stream().map(VolumeTask::of).toList());
    }
}
