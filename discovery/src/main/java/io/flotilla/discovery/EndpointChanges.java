package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.state.ClusterState;
import io.flotilla.state.TriePMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import org.pcollections.PMap;

/**
 * What one applied log entry changes in a registry's endpoints ({@link EndpointRegistry#applied}),
 * given the endpoints it holds: the services the command may have changed as a whole
 * ({@link AffectedServices}) are computed again and compared with them; single tasks' and
 * registrations' endpoints are compared one by one. One change per service, in service name
 * order; within a change, endpoints in id order, as {@link #diff} gives them. Pure.
 */
final class EndpointChanges {
    private EndpointChanges() {}

    /** The changes {@code affected} (from {@code before} to {@code after}) makes to {@code current}. */
    static List<EndpointChange> of(ClusterState before, AffectedServices.Affected affected, ClusterState after,
                                   PMap<String, PMap<String, Endpoint>> current) {
        Map<String, EndpointChange> changed = new TreeMap<>();
        for (String name : affected.services()) {
            EndpointChange change = diff(after.index(), name, current.get(name), ServiceEndpoints.of(after, name));
            if (change != null) {
                changed.put(name, change);
            }
        }
        Map<String, ChangeBuilder> single = new TreeMap<>();
        for (String taskId : affected.taskIds()) {
            taskChange(before, after, taskId, current, affected.services(), single);
        }
        for (String id : affected.registrationIds()) {
            registrationChange(before, after, id, current, affected.services(), single);
        }
        single.forEach((name, builder) -> {
            EndpointChange change = builder.build(after.index(), name);
            if (change != null) {
                changed.put(name, change);
            }
        });
        return new ArrayList<>(changed.values());
    }

    /** {@code current} with {@code changes} made. */
    static PMap<String, PMap<String, Endpoint>> applyTo(PMap<String, PMap<String, Endpoint>> current,
                                                         List<EndpointChange> changes) {
        PMap<String, PMap<String, Endpoint>> next = current;
        for (EndpointChange change : changes) {
            PMap<String, Endpoint> updated = next.get(change.service());
            updated = (updated == null ? TriePMap.<String, Endpoint>empty() : updated).minusAll(change.removed());
            for (Endpoint endpoint : change.upserted()) {
                updated = updated.plus(endpoint.id(), endpoint);
            }
            next = updated.isEmpty() ? next.minus(change.service()) : next.plus(change.service(), updated);
        }
        return next;
    }

    /** One task's endpoint, before and after: into the builder of its service (both, if it moved). */
    private static void taskChange(ClusterState before, ClusterState after, String taskId,
                                   PMap<String, PMap<String, Endpoint>> current, Set<String> whole,
                                   Map<String, ChangeBuilder> builders) {
        Task now = after.task(taskId).orElse(null);
        Task then = before.task(taskId).orElse(null);
        Task any = now != null ? now : then;
        if (any == null) {
            return;
        }
        Service serviceNow = after.service(any.serviceId()).orElse(null);
        String nameNow = serviceNow == null ? null : serviceNow.spec().name();
        String nameThen = before.service(any.serviceId()).map(s -> s.spec().name()).orElse(null);
        Endpoint endpoint = now == null || serviceNow == null ? null : ServiceEndpoints.ofTask(after, serviceNow, now);
        if (nameThen != null && !nameThen.equals(nameNow) && !whole.contains(nameThen)) {
            builders.computeIfAbsent(nameThen, n -> new ChangeBuilder()).set(taskId, null, held(current, nameThen, taskId));
        }
        if (nameNow != null && !whole.contains(nameNow)) {
            builders.computeIfAbsent(nameNow, n -> new ChangeBuilder()).set(taskId, endpoint, held(current, nameNow, taskId));
        }
    }

    /** One registration's endpoint, before and after (it may have changed service). */
    private static void registrationChange(ClusterState before, ClusterState after, String id,
                                           PMap<String, PMap<String, Endpoint>> current, Set<String> whole,
                                           Map<String, ChangeBuilder> builders) {
        Registration now = after.registrations().get(id).orElse(null);
        Registration then = before.registrations().get(id).orElse(null);
        if (then != null && (now == null || !then.service().equals(now.service())) && !whole.contains(then.service())) {
            builders.computeIfAbsent(then.service(), n -> new ChangeBuilder()).set(id, null, held(current, then.service(), id));
        }
        if (now != null && !whole.contains(now.service())) {
            builders.computeIfAbsent(now.service(), n -> new ChangeBuilder())
                    .set(id, now.toEndpoint(), held(current, now.service(), id));
        }
    }

    private static Endpoint held(PMap<String, PMap<String, Endpoint>> current, String service, String id) {
        PMap<String, Endpoint> endpoints = current.get(service);
        return endpoints == null ? null : endpoints.get(id);
    }

    /** The change to one service made of single endpoints, in the order {@link #diff} gives. */
    private static final class ChangeBuilder {
        private final TreeMap<String, Endpoint> upserted = new TreeMap<>();
        private final TreeMap<String, Endpoint> priorOfUpserted = new TreeMap<>();
        private final TreeMap<String, Endpoint> removed = new TreeMap<>();

        void set(String id, Endpoint now, Endpoint prior) {
            if (Objects.equals(now, prior)) {
                return;
            }
            if (now == null) {
                removed.put(id, prior);
            } else {
                upserted.put(id, now);
                if (prior != null) {
                    priorOfUpserted.put(id, prior);
                }
            }
        }

        EndpointChange build(long index, String service) {
            if (upserted.isEmpty() && removed.isEmpty()) {
                return null;
            }
            List<Endpoint> previous = new ArrayList<>(priorOfUpserted.size() + removed.size());
            upserted.keySet().forEach(id -> {
                Endpoint prior = priorOfUpserted.get(id);
                if (prior != null) {
                    previous.add(prior);
                }
            });
            previous.addAll(removed.values());
            return new EndpointChange(index, service, new ArrayList<>(upserted.values()),
                    new ArrayList<>(removed.keySet()), previous);
        }
    }

    /** The change from {@code old} to {@code next} (either may be null: empty), or null if none. */
    static EndpointChange diff(long index, String service, Map<String, Endpoint> old, Map<String, Endpoint> next) {
        Map<String, Endpoint> before = old == null ? Map.of() : old;
        Map<String, Endpoint> after = next == null ? Map.of() : next;
        List<Endpoint> upserted = new ArrayList<>();
        List<Endpoint> previous = new ArrayList<>();
        for (Endpoint endpoint : new TreeMap<>(after).values()) {
            Endpoint prior = before.get(endpoint.id());
            if (!endpoint.equals(prior)) {
                upserted.add(endpoint);
                if (prior != null) {
                    previous.add(prior);
                }
            }
        }
        List<String> removed = new ArrayList<>();
        for (Map.Entry<String, Endpoint> entry : new TreeMap<>(before).entrySet()) {
            if (!after.containsKey(entry.getKey())) {
                removed.add(entry.getKey());
                previous.add(entry.getValue());
            }
        }
        return upserted.isEmpty() && removed.isEmpty() ? null
                : new EndpointChange(index, service, upserted, removed, previous);
    }
}
