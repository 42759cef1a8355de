package io.flotilla.discovery;

import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.state.Changes;
import io.flotilla.state.ClusterState;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Which endpoints an applied command may have changed, read from what apply says it changed
 * ({@link Changes}), as narrowly as endpoints depend on it: whole services only when what a
 * service gives its endpoints changed (it came, went, or changed name, stack, labels or
 * statefulness: recomputed from all their tasks), single tasks (a task that changed, or every task
 * of a node that came, went, or changed state or address: recomputed one by one) and single
 * registrations. So following the log costs O(what the command touched), not O(service) and not
 * O(cluster): at a million tasks of one service, recomputing the whole service for each
 * 5,000-status entry took most of every manager's apply thread, and a scale or an image update
 * recomputes nothing whole. Over-approximating is harmless (an unchanged endpoint yields no
 * change); missing one would lose a change, and {@link Changes} names everything that differs.
 */
public final class AffectedServices {
    private AffectedServices() {}

    /**
     * What to recompute: {@code services} by name, whole; {@code taskIds} and {@code registrationIds}
     * one by one (those of a service in {@code services} are covered by it).
     */
    public record Affected(Set<String> services, Set<String> taskIds, Set<String> registrationIds) {}

    /** What may differ between {@code before} and {@code after}, given what apply said changed. */
    public static Affected of(ClusterState before, Changes changes, ClusterState after) {
        Set<String> names = new HashSet<>();
        for (String id : changes.services()) {
            Service then = before.service(id).orElse(null);
            Service now = after.service(id).orElse(null);
            if (!ServiceEndpoints.sameEndpointFields(then, now)) {
                Optional.ofNullable(then).ifPresent(s -> names.add(s.spec().name()));
                Optional.ofNullable(now).ifPresent(s -> names.add(s.spec().name()));
            }
        }
        Set<String> taskIds = new HashSet<>(changes.tasks());
        for (String nodeId : changes.nodes()) {
            Node then = before.node(nodeId).orElse(null);
            Node now = after.node(nodeId).orElse(null);
            if (!ServiceEndpoints.sameEndpointFields(then, now)) {
                before.tasksOfNode(nodeId).forEach(task -> taskIds.add(task.id()));
                after.tasksOfNode(nodeId).forEach(task -> taskIds.add(task.id()));
            }
        }
        return new Affected(names, taskIds, new HashSet<>(changes.registrations()));
    }
}
