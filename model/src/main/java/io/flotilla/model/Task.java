package io.flotilla.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.Map;

/**
 * One run of a service's task template in a slot. A task only moves forward (see
 * {@link TaskState}); a restart is a new task in the same slot.
 *
 * @param slot           1-based for replicated services; 0 for global ones (which use nodeId)
 * @param serviceVersion the {@link Service#version()} the task was made from
 * @param nodeId         null until the scheduler assigns the task
 * @param desiredState   {@link TaskState#RUNNING} while wanted, {@link TaskState#SHUTDOWN} to stop
 * @param spec           the template copied at creation (so an update never changes a running task)
 * @param notBefore      the task must not start before this instant (restart backoff); null: at once
 * @param restartCount   how many restarts of this slot led to this task (drives backoff and max_attempts)
 * @param allocation     what the scheduler decided when it assigned the task ({@link TaskAllocation}:
 *                       fencing, slot volumes, the dependencies' chosen addresses);
 *                       {@link TaskAllocation#NONE} before
 */
public record Task(String id, String serviceId, String serviceName, int slot, long serviceVersion, String nodeId,
                   TaskState desiredState, TaskStatus status, TaskTemplate spec, Instant createdAt, Instant notBefore,
                   int restartCount, TaskAllocation allocation) {
    public Task {
        Checks.requireText(id, "task id");
        Checks.requireText(serviceId, "service id");
        java.util.Objects.requireNonNull(desiredState, "desiredState");
        java.util.Objects.requireNonNull(status, "status");
        java.util.Objects.requireNonNull(spec, "spec");
        allocation = TaskAllocation.shared(allocation);
    }

    /**
     * Reads a task as JSON (the log, snapshots, an agent's {@code task.json}, the API): the
     * {@code allocation} written now, or the {@code injectedEnv} written before it was typed, whose
     * variables are read as the same decision ({@link TaskAllocation#fromEnvironment}).
     */
    @JsonCreator
    static Task fromJson(@JsonProperty("id") String id, @JsonProperty("serviceId") String serviceId,
                         @JsonProperty("serviceName") String serviceName, @JsonProperty("slot") int slot,
                         @JsonProperty("serviceVersion") long serviceVersion, @JsonProperty("nodeId") String nodeId,
                         @JsonProperty("desiredState") TaskState desiredState, @JsonProperty("status") TaskStatus status,
                         @JsonProperty("spec") TaskTemplate spec, @JsonProperty("createdAt") Instant createdAt,
                         @JsonProperty("notBefore") Instant notBefore, @JsonProperty("restartCount") int restartCount,
                         @JsonProperty("allocation") TaskAllocation allocation,
                         @JsonProperty("injectedEnv") Map<String, String> injectedEnv) {
        return new Task(id, serviceId, serviceName, slot, serviceVersion, nodeId, desiredState, status, spec, createdAt,
                notBefore, restartCount, allocation != null ? allocation : TaskAllocation.fromEnvironment(injectedEnv));
    }

    public TaskState state() {
        return status.state();
    }

    /** The name users see: {@code shop_web.2} (or {@code shop_web.<node>} for a global task). */
    public String displayName() {
        return serviceName + "." + (slot > 0 ? Integer.toString(slot) : (nodeId == null ? "?" : nodeId));
    }

    public Task withStatus(TaskStatus newStatus) {
        return new Task(id, serviceId, serviceName, slot, serviceVersion, nodeId, desiredState, newStatus, spec,
                createdAt, notBefore, restartCount, allocation);
    }

    public Task withDesiredState(TaskState newDesired) {
        return new Task(id, serviceId, serviceName, slot, serviceVersion, nodeId, newDesired, status, spec, createdAt,
                notBefore, restartCount, allocation);
    }

    public Task withAssignment(String newNodeId, TaskAllocation newAllocation, TaskStatus newStatus) {
        return new Task(id, serviceId, serviceName, slot, serviceVersion, newNodeId, desiredState, newStatus, spec,
                createdAt, notBefore, restartCount, newAllocation);
    }
}
