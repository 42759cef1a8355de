package io.flotilla.model;

import java.time.Instant;
import java.util.Map;

/**
 * What was last observed of a task.
 *
 * @param message   a short description of the step ({@code started}, {@code waiting for …})
 * @param error     why a task failed or cannot be placed, in words a user can act on; null if none
 * @param exitCode  the exit code once the task ended (128+n for a signal), else null
 * @param pid       the task's process id for the process driver, else null
 * @param hostPorts port name → host port the task listens on
 * @param health    {@code starting}, {@code healthy} or {@code unhealthy}; null without a healthcheck
 * @param files     the secrets and configs the task holds now: cluster name → version (what
 *                  {@code secret ls} shows per task); empty when it has none
 */
public record TaskStatus(TaskState state, Instant timestamp, String message, String error, Integer exitCode,
                         Long pid, String containerId, Map<String, Integer> hostPorts, String health,
                         @com.fasterxml.jackson.annotation.JsonInclude(
                                 com.fasterxml.jackson.annotation.JsonInclude.Include.NON_EMPTY)
                         Map<String, Long> files) {
    public TaskStatus {
        java.util.Objects.requireNonNull(state, "state");
        java.util.Objects.requireNonNull(timestamp, "timestamp");
        hostPorts = Checks.map(hostPorts);
        files = Checks.map(files);
    }

    /** A status that holds no secrets or configs. */
    public TaskStatus(TaskState state, Instant timestamp, String message, String error, Integer exitCode,
                      Long pid, String containerId, Map<String, Integer> hostPorts, String health) {
        this(state, timestamp, message, error, exitCode, pid, containerId, hostPorts, health, Map.of());
    }

    public static TaskStatus of(TaskState state, Instant at, String message) {
        return new TaskStatus(state, at, message, null, null, null, null, Map.of(), null);
    }

    /** Whether {@code other} says the same as this, at another (or the same) time. */
    public boolean equalsButTimestamp(TaskStatus other) {
        return state == other.state && java.util.Objects.equals(message, other.message)
                && java.util.Objects.equals(error, other.error) && java.util.Objects.equals(exitCode, other.exitCode)
                && java.util.Objects.equals(pid, other.pid) && java.util.Objects.equals(containerId, other.containerId)
                && hostPorts.equals(other.hostPorts) && java.util.Objects.equals(health, other.health)
                && files.equals(other.files);
    }

    /**
     * Whether {@code other} holds what a node observed as this does: the state and, while it runs, the
     * process, container, ports, health and the versions of its secrets and configs. Not the message
     * or error, which the manager may write itself (a task waiting for its node's lease).
     */
    public boolean sameObservation(TaskStatus other) {
        if (state != other.state) {
            return false;
        }
        return state != TaskState.RUNNING || java.util.Objects.equals(pid, other.pid)
                && java.util.Objects.equals(containerId, other.containerId) && hostPorts.equals(other.hostPorts)
                && java.util.Objects.equals(health, other.health) && files.equals(other.files);
    }

    public TaskStatus withError(String newError) {
        return new TaskStatus(state, timestamp, message, newError, exitCode, pid, containerId, hostPorts, health, files);
    }

    public TaskStatus withFiles(Map<String, Long> newFiles) {
        return new TaskStatus(state, timestamp, message, error, exitCode, pid, containerId, hostPorts, health, newFiles);
    }
}
