package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.UpdateConfig;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.ServiceUpdateRequest;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * {@code service update}, {@code service rollback} and {@code service rebalance}: each validates
 * against the current state, proposes one command and answers once it is applied. What happens
 * next (batches, failures, moves) is the orchestrator's; its progress shows in the service's
 * {@code updateStatus}. A refused request (400) proposes nothing.
 */
final class ServiceUpdateEndpoints {
    static final Set<String> FAILURE_ACTIONS = Set.of("pause", "continue", "rollback");
    static final Set<String> ORDERS = Set.of("stop-first", "start-first");

    private final ClusterStore store;
    private final InstantSource clock;

    ServiceUpdateEndpoints(ClusterStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    ChangeResult update(ApiRequest request, String ref) throws IOException, InterruptedException {
        ServiceUpdateRequest body = request.body(ServiceUpdateRequest.class);
        Service service = find(store.state(), ref);
        ServiceSpec spec = updatedSpec(service.spec(), body);
        if (spec.equals(service.spec()) && !body.force()) {
            return new ChangeResult(store.state().index(), "service " + spec.name() + ": nothing to change");
        }
        checkMeshClaims(store.state(), service, spec);
        ClusterState after = Submissions.await(store.submit(
                new Command.UpdateService(service.id(), spec, clock.instant(), body.force())));
        Service updated = after.service(service.id()).orElse(service);
        boolean rolling = updated.version() != service.version();
        return new ChangeResult(after.index(), "service " + spec.name() + " updated"
                + (rolling ? ": rolling update to version " + updated.version() : " (no new tasks needed)"));
    }

    /**
     * A label change can move a service's routes ({@code flotilla.http.*}) onto another's or make a
     * label invalid: refused as a deploy would be (409 naming both services), nothing changes.
     */
    private static void checkMeshClaims(ClusterState state, Service service, ServiceSpec spec) {
        java.util.List<ServiceSpec> all = new java.util.ArrayList<>();
        for (Service other : state.services()) {
            all.add(other.id().equals(service.id()) ? spec : other.spec());
        }
        try {
            io.flotilla.model.MeshClaims.check(all);
        } catch (IllegalArgumentException e) {
            throw ApiException.conflict(e.getMessage());
        }
    }

    ChangeResult rollback(String ref) throws InterruptedException {
        Service service = find(store.state(), ref);
        if (service.previousSpec() == null) {
            throw ApiException.invalid("service " + service.spec().name() + " has no previous spec to roll back to");
        }
        ClusterState after = Submissions.await(store.submit(new Command.RollbackService(service.id(),
                service.version(), clock.instant(), "manually requested rollback")));
        Service rolled = after.service(service.id()).orElse(service);
        if (rolled.version() == service.version()) {
            throw ApiException.conflict("service " + service.spec().name() + " changed meanwhile; try again");
        }
        return new ChangeResult(after.index(), "service " + service.spec().name() + " rolling back to version "
                + rolled.version() + " (the previous spec)");
    }

    ChangeResult rebalance(String ref) throws InterruptedException {
        Service service = find(store.state(), ref);
        if (service.spec().mode() == ServiceMode.GLOBAL) {
            throw ApiException.invalid("service " + service.spec().name() + " is global: it runs on every eligible node");
        }
        ClusterState after = Submissions.await(store.submit(new Command.RebalanceService(service.id(), clock.instant())));
        return new ChangeResult(after.index(), "service " + service.spec().name() + ": rebalance requested");
    }

    /** The current spec with the request's changes; IllegalArgumentException (400) for a bad value. */
    static ServiceSpec updatedSpec(ServiceSpec current, ServiceUpdateRequest change) {
        TaskTemplate task = current.task();
        if (change.image() != null) {
            if (change.image().isBlank()) {
                throw new IllegalArgumentException("image must not be blank");
            }
            task = task.withImage(change.image());
        }
        if (!change.envAdd().isEmpty() || !change.envRm().isEmpty()) {
            Map<String, String> env = new LinkedHashMap<>(task.environment());
            change.envRm().forEach(env::remove);
            change.envAdd().forEach((key, value) -> {
                if (key.isBlank() || key.contains("=")) {
                    throw new IllegalArgumentException("invalid environment variable name: '" + key + "'");
                }
                env.put(key, value == null ? "" : value);
            });
            task = task.withEnvironment(env);
        }
        int replicas = current.replicas();
        if (change.replicas() != null) {
            if (change.replicas() < 0) {
                throw new IllegalArgumentException("replicas must be >= 0, got " + change.replicas());
            }
            if (current.mode() == ServiceMode.GLOBAL) {
                throw new IllegalArgumentException("service " + current.name() + " is global: replicas cannot be set");
            }
            replicas = change.replicas();
        }
        Map<String, String> labels = new LinkedHashMap<>(current.labels());
        change.labelRm().forEach(labels::remove);
        labels.putAll(change.labelAdd());
        UpdateConfig update = updateConfig(current.updateConfig(), change);
        return new ServiceSpec(current.name(), current.stack(), current.mode(), replicas, task, current.ports(),
                current.dependsOn(), labels, update, current.rollbackConfig(), current.endpointMode());
    }

    private static UpdateConfig updateConfig(UpdateConfig current, ServiceUpdateRequest change) {
        int parallelism = current.parallelism();
        if (change.updateParallelism() != null) {
            if (change.updateParallelism() < 0) {
                throw new IllegalArgumentException("update parallelism must be >= 0, got " + change.updateParallelism());
            }
            parallelism = change.updateParallelism();
        }
        if (change.updateDelay() != null && change.updateDelay().isNegative()) {
            throw new IllegalArgumentException("update delay must not be negative");
        }
        if (change.updateMonitor() != null && change.updateMonitor().isNegative()) {
            throw new IllegalArgumentException("update monitor must not be negative");
        }
        if (change.updateFailureAction() != null && !FAILURE_ACTIONS.contains(change.updateFailureAction())) {
            throw new IllegalArgumentException("update failure action must be pause, continue or rollback, got '"
                    + change.updateFailureAction() + "'");
        }
        if (change.updateOrder() != null && !ORDERS.contains(change.updateOrder())) {
            throw new IllegalArgumentException("update order must be stop-first or start-first, got '"
                    + change.updateOrder() + "'");
        }
        Double ratio = change.updateMaxFailureRatio();
        if (ratio != null && (ratio < 0 || ratio > 1 || ratio.isNaN())) {
            throw new IllegalArgumentException("update max failure ratio must be between 0 and 1, got " + ratio);
        }
        return new UpdateConfig(parallelism,
                change.updateDelay() != null ? change.updateDelay() : current.delay(),
                change.updateFailureAction() != null ? change.updateFailureAction() : current.failureAction(),
                change.updateMonitor() != null ? change.updateMonitor() : current.monitor(),
                ratio != null ? ratio : current.maxFailureRatio(),
                change.updateOrder() != null ? change.updateOrder() : current.order());
    }

    private static Service find(ClusterState state, String ref) {
        return state.findService(ref).orElseThrow(() -> ApiException.notFound("no such service: " + ref));
    }
}
