package io.flotilla.model;

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
 * @param injectedEnv    environment the manager adds at assignment (dependencies' addresses)
 */
public record Task(String id, String serviceId, String serviceName, int slot, long serviceVersion, String nodeId,
                   TaskState desiredState, TaskStatus status, TaskTemplate spec, Instant createdAt, Instant notBefore,
                   int restartCount, Map<String, String> injectedEnv) {
    public Task {
        Checks.requireText(id, "task id");
        Checks.requireText(serviceId, "service id");
        java.util.Objects.requireNonNull(desiredState, "desiredState");
        java.util.Objects.requireNonNull(status, "status");
        java.util.Objects.requireNonNull(spec, "spec");
        injectedEnv = Checks.map(injectedEnv);
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
                createdAt, notBefore, restartCount, injectedEnv);
    }

    public Task withDesiredState(TaskState newDesired) {
        return new Task(id, serviceId, serviceName, slot, serviceVersion, nodeId, newDesired, status, spec, createdAt,
                notBefore, restartCount, injectedEnv);
    }

    public Task withAssignment(String newNodeId, Map<String, String> env, TaskStatus newStatus) {
        return new Task(id, serviceId, serviceName, slot, serviceVersion, newNodeId, desiredState, newStatus, spec,
                createdAt, notBefore, restartCount, env);
    }
}
