package io.flotilla.state;

import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.time.Instant;

/**
 * Makes tasks decoded from the log (or a snapshot) share equal objects the state already holds:
 * their service's template, id and name, their node's id, one {@link Instant} per run of equal
 * timestamps, interned status words. Decoded JSON gives every task its own copies, and at a
 * million tasks those copies were most of the heap. Equal values replace equal values, so the
 * state is the same and apply stays deterministic; only the heap differs.
 *
 * <p>One instance per command (or snapshot load); not thread-safe.
 */
final class Canonical {
    private Instant lastInstant;
    /** The last template decoded and the one it was shared with: an entry's tasks share one decoded template. */
    private TaskTemplate lastDecodedSpec;
    private TaskTemplate lastSharedSpec;

    Instant instant(Instant instant) {
        if (instant == null || instant.equals(lastInstant)) {
            return instant == null ? null : lastInstant;
        }
        lastInstant = instant;
        return instant;
    }

    /** Status words ("running", "assigned to node", "healthy") are few; errors are not interned. */
    static String word(String text) {
        return text == null ? null : text.intern();
    }

    TaskStatus status(TaskStatus status) {
        Instant timestamp = instant(status.timestamp());
        String message = word(status.message());
        String health = word(status.health());
        if (timestamp == status.timestamp() && message == status.message() && health == status.health()) {
            return status;
        }
        return new TaskStatus(status.state(), timestamp, message, status.error(), status.exitCode(), status.pid(),
                status.containerId(), status.hostPorts(), health, status.files());
    }

    /**
     * The task with its template, service id and name, node id, instants and status words replaced
     * by equal objects already held ({@code service} and {@code node} may be null).
     */
    Task task(Task task, Service service, Node node) {
        TaskTemplate spec = task.spec();
        String serviceId = task.serviceId();
        String serviceName = task.serviceName();
        if (service != null) {
            if (spec == lastDecodedSpec && (lastSharedSpec == service.spec().task()
                    || service.previousSpec() != null && lastSharedSpec == service.previousSpec().task())) {
                spec = lastSharedSpec; // the same decoded object as the task before: no deep comparison
            } else if (spec.equals(service.spec().task())) {
                lastDecodedSpec = spec;
                spec = service.spec().task();
                lastSharedSpec = spec;
            } else if (service.previousSpec() != null && spec.equals(service.previousSpec().task())) {
                lastDecodedSpec = spec;
                spec = service.previousSpec().task();
                lastSharedSpec = spec;
            }
            serviceId = service.id();
            if (service.spec().name().equals(serviceName)) {
                serviceName = service.spec().name();
            }
        }
        String nodeId = node != null && node.id().equals(task.nodeId()) ? node.id() : task.nodeId();
        TaskStatus status = status(task.status());
        Instant createdAt = instant(task.createdAt());
        Instant notBefore = instant(task.notBefore());
        if (spec == task.spec() && serviceId == task.serviceId() && serviceName == task.serviceName()
                && nodeId == task.nodeId() && status == task.status() && createdAt == task.createdAt()
                && notBefore == task.notBefore()) {
            return task;
        }
        return new Task(task.id(), serviceId, serviceName, task.slot(), task.serviceVersion(), nodeId,
                task.desiredState(), status, spec, createdAt, notBefore, task.restartCount(), task.allocation());
    }
}
