package io.flotilla.model;

import java.time.Instant;

/**
 * A stored service. {@code version} grows with every spec change that needs new tasks (and with
 * every rollback); tasks record the version they were made from, so the orchestrator can tell
 * outdated tasks. {@code previousSpec} is kept for rollback (null before the first update).
 *
 * @param updateStatus         the rolling update's progress; null before the first update
 * @param rebalanceRequestedAt when {@code service rebalance} asked to spread the tasks again; null
 *                             when no rebalance is pending (the orchestrator clears it when done)
 */
public record Service(String id, long version, ServiceSpec spec, ServiceSpec previousSpec, Instant createdAt,
                      Instant updatedAt, ServiceUpdateStatus updateStatus, Instant rebalanceRequestedAt) {
    public Service {
        Checks.requireText(id, "service id");
        java.util.Objects.requireNonNull(spec, "spec");
        java.util.Objects.requireNonNull(createdAt, "createdAt");
        updatedAt = updatedAt == null ? createdAt : updatedAt;
    }

    /** A service as created: version 1, no history. */
    public static Service created(String id, ServiceSpec spec, Instant at) {
        return new Service(id, 1, spec, null, at, at, null, null);
    }

    public Service withSpec(ServiceSpec newSpec, Instant at) {
        return withSpec(newSpec, at, false);
    }

    /**
     * The service with {@code newSpec}. When what the tasks run changes (template, ports,
     * dependencies), or {@code force}, the version grows, the old spec is kept for rollback and a
     * rolling update starts.
     */
    public Service withSpec(ServiceSpec newSpec, Instant at, boolean force) {
        boolean taskChanged = force || !newSpec.task().equals(spec.task()) || !newSpec.ports().equals(spec.ports())
                || !newSpec.dependsOn().equals(spec.dependsOn());
        if (!taskChanged) {
            return new Service(id, version, newSpec, previousSpec, createdAt, at, updateStatus, rebalanceRequestedAt);
        }
        return new Service(id, version + 1, newSpec, spec, createdAt, at, ServiceUpdateStatus.updating(at),
                rebalanceRequestedAt);
    }

    /** Back to the previous spec (which becomes the previous one in turn), as a new version; null if none. */
    public Service rolledBack(Instant at, String reason) {
        if (previousSpec == null) {
            return null;
        }
        return new Service(id, version + 1, previousSpec, spec, createdAt, at,
                ServiceUpdateStatus.rollbackStarted(at, reason), rebalanceRequestedAt);
    }

    public Service withUpdateStatus(ServiceUpdateStatus newStatus) {
        return new Service(id, version, spec, previousSpec, createdAt, updatedAt, newStatus, rebalanceRequestedAt);
    }

    public Service withRebalanceRequestedAt(Instant requestedAt) {
        return new Service(id, version, spec, previousSpec, createdAt, updatedAt, updateStatus, requestedAt);
    }
}
