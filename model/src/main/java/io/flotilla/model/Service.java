package io.flotilla.model;

import java.time.Instant;

/**
 * A stored service. {@code version} grows with every spec change; tasks record the version they
 * were made from, so the orchestrator can tell outdated tasks. {@code previousSpec} is kept for
 * rollback (null before the first update).
 */
public record Service(String id, long version, ServiceSpec spec, ServiceSpec previousSpec, Instant createdAt,
                      Instant updatedAt) {
    public Service {
        Checks.requireText(id, "service id");
        java.util.Objects.requireNonNull(spec, "spec");
        java.util.Objects.requireNonNull(createdAt, "createdAt");
        updatedAt = updatedAt == null ? createdAt : updatedAt;
    }

    public Service withSpec(ServiceSpec newSpec, Instant at) {
        boolean taskChanged = !newSpec.task().equals(spec.task()) || !newSpec.ports().equals(spec.ports())
                || !newSpec.dependsOn().equals(spec.dependsOn());
        return new Service(id, taskChanged ? version + 1 : version, newSpec, taskChanged ? spec : previousSpec,
                createdAt, at);
    }
}
