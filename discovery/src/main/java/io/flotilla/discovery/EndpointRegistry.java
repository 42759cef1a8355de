package io.flotilla.discovery;

import io.flotilla.model.Command;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The endpoint registry of one manager: every service's healthy endpoints, kept current by
 * following the applied log ({@link #applied}), with a bounded history of changes so that a watch
 * resumes from an index without a gap or a repeat.
 *
 * <p>Every manager applies the same log, so its changes carry the same Raft indexes everywhere: a
 * watcher may reconnect to any manager with the last index it saw.
 *
 * <p>Thread-safety: {@link #applied} and {@link #reset} come from the one thread applying the log;
 * readers ({@link #endpoints}, the DNS server) read an immutable map without locking; subscribing
 * and publishing hold the registry's lock, so a subscriber sees each change exactly once: either
 * in its starting point or as a published change, never both, never neither.
 */
public final class EndpointRegistry implements EndpointSource {
    public static final int DEFAULT_HISTORY = 100_000;

    /** What a subscription starts from: the changes after its index, or the whole set (a reset). */
    public record Start(long index, boolean reset, List<Endpoint> snapshot, List<EndpointChange> changes) {}

    /** A live subscription to one service's changes. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private final int historyCapacity;
    private final Object lock = new Object();
    private volatile ClusterState state = ClusterState.EMPTY;
    private volatile PMap<String, PMap<String, Endpoint>> current = HashTreePMap.empty();
    /** Service → index of its last change; and the index of the last change of any service. */
    private volatile PMap<String, Long> lastChanged = HashTreePMap.empty();
    private volatile long lastAnyChange;
    private EndpointHistory history;
    private final Map<String, List<Consumer<EndpointChange>>> subscribers = new java.util.HashMap<>();
    /** Subscribers to every service's changes (the all-services watch that workers mirror). */
    private final List<Consumer<EndpointChange>> allSubscribers = new ArrayList<>();
    private final List<Runnable> indexListeners = new CopyOnWriteArrayList<>();

    public EndpointRegistry() {
        this(DEFAULT_HISTORY);
    }

    public EndpointRegistry(int historyCapacity) {
        this.historyCapacity = historyCapacity;
        this.history = new EndpointHistory(historyCapacity, 0);
    }

    /**
     * Starts over from {@code newState} (a snapshot was loaded): the history restarts at its index,
     * so a watch resuming from an older index gets the whole set. Subscribers are told the new
     * set as changes.
     */
    public void reset(ClusterState newState) {
        synchronized (lock) {
            PMap<String, PMap<String, Endpoint>> next = HashTreePMap.empty();
            Set<String> names = new java.util.HashSet<>(ServiceEndpoints.names(newState));
            names.addAll(current.keySet());
            for (String name : names) {
                SortedMap<String, Endpoint> endpoints = ServiceEndpoints.of(newState, name);
                if (!endpoints.isEmpty()) {
                    next = next.plus(name, HashTreePMap.from(endpoints));
                }
            }
            history = new EndpointHistory(historyCapacity, newState.index());
            List<EndpointChange> changes = new ArrayList<>();
            for (String name : names) {
                EndpointChange change = diff(newState.index(), name, current.get(name), next.get(name));
                if (change != null) {
                    changes.add(change);
                }
            }
            current = next;
            state = newState;
            noteChanges(changes);
            changes.forEach(this::publish);
        }
        indexListeners.forEach(Runnable::run);
    }

    /**
     * Follows one applied log entry: recomputes what {@code command} may have changed
     * ({@link AffectedServices}): whole services, or single tasks' and registrations' endpoints.
     */
    public void applied(ClusterState before, Command command, ClusterState after) {
        AffectedServices.Affected affected = AffectedServices.of(before, command, after);
        synchronized (lock) {
            PMap<String, PMap<String, Endpoint>> next = current;
            Map<String, EndpointChange> changed = new TreeMap<>();
            for (String name : affected.services()) {
                EndpointChange change = diff(after.index(), name, next.get(name), ServiceEndpoints.of(after, name));
                if (change != null) {
                    changed.put(name, change);
                }
            }
            Map<String, ChangeBuilder> single = new TreeMap<>();
            for (String taskId : affected.taskIds()) {
                taskChange(before, after, taskId, next, affected.services(), single);
            }
            for (String id : affected.registrationIds()) {
                registrationChange(before, after, id, next, affected.services(), single);
            }
            single.forEach((name, builder) -> {
                EndpointChange change = builder.build(after.index(), name);
                if (change != null) {
                    changed.put(name, change);
                }
            });
            List<EndpointChange> changes = new ArrayList<>(changed.values());
            for (EndpointChange change : changes) {
                PMap<String, Endpoint> updated = next.get(change.service());
                updated = (updated == null ? HashTreePMap.<String, Endpoint>empty() : updated).minusAll(change.removed());
                for (Endpoint endpoint : change.upserted()) {
                    updated = updated.plus(endpoint.id(), endpoint);
                }
                next = updated.isEmpty() ? next.minus(change.service()) : next.plus(change.service(), updated);
            }
            current = next;
            state = after;
            noteChanges(changes);
            for (EndpointChange change : changes) {
                history.add(change);
                publish(change);
            }
        }
        indexListeners.forEach(Runnable::run);
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
            if (java.util.Objects.equals(now, prior)) {
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

    private void noteChanges(List<EndpointChange> changes) {
        PMap<String, Long> marks = lastChanged;
        for (EndpointChange change : changes) {
            marks = marks.plus(change.service(), change.index());
            lastAnyChange = Math.max(lastAnyChange, change.index());
        }
        lastChanged = marks;
    }

    /** The index of the last change of {@code service}'s endpoints (0 if none since this manager started). Lock-free. */
    public long lastChangeIndex(String service) {
        Long index = lastChanged.get(service);
        return index == null ? 0 : index;
    }

    /** The index of the last change of any service's endpoints. Lock-free. */
    public long lastChangeIndex() {
        return lastAnyChange;
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

    private void publish(EndpointChange change) {
        for (Consumer<EndpointChange> listener : allSubscribers) {
            listener.accept(change);
        }
        List<Consumer<EndpointChange>> listeners = subscribers.get(change.service());
        if (listeners != null) {
            for (Consumer<EndpointChange> listener : listeners) {
                listener.accept(change);
            }
        }
    }

    /** The state the registry is at (the last applied). */
    public ClusterState state() {
        return state;
    }

    /** The index of the last applied entry the registry followed. */
    public long index() {
        return state.index();
    }

    /** The healthy endpoints of {@code service}, sorted by id; empty if none. Lock-free. */
    public List<Endpoint> endpoints(String service) {
        PMap<String, Endpoint> endpoints = current.get(service);
        if (endpoints == null) {
            return List.of();
        }
        return List.copyOf(new TreeMap<>(endpoints).values());
    }

    /** Every service's endpoints, sorted by service then id. Lock-free. */
    public List<Endpoint> allEndpoints() {
        List<Endpoint> all = new ArrayList<>(size());
        new TreeMap<>(current).values().forEach(endpoints -> all.addAll(new TreeMap<>(endpoints).values()));
        return all;
    }

    /** The endpoints of {@code service} without sorting or copying (for the DNS server's hot path). */
    @Override
    public Collection<Endpoint> endpointsUnordered(String service) {
        PMap<String, Endpoint> endpoints = current.get(service);
        return endpoints == null ? List.of() : endpoints.values();
    }

    /** True if {@code service} exists in the state or has endpoints. */
    @Override
    public boolean knows(String service) {
        return current.containsKey(service) || state.serviceByName(service).isPresent();
    }

    /** True if {@code service} exists in the state and is stateful (whether or not a task of it runs now). */
    @Override
    public boolean stateful(String service) {
        return state.serviceByName(service).map(s -> s.spec().stateful()).orElse(false);
    }

    /** Service name → endpoint count, for every service that exists or has endpoints. */
    public SortedMap<String, Integer> services() {
        SortedMap<String, Integer> counts = new TreeMap<>();
        ClusterState s = state;
        s.services().forEach(service -> counts.put(service.spec().name(), 0));
        current.forEach((name, endpoints) -> counts.put(name, endpoints.size()));
        return counts;
    }

    /** The total number of endpoints. */
    public int size() {
        int total = 0;
        for (PMap<String, Endpoint> endpoints : current.values()) {
            total += endpoints.size();
        }
        return total;
    }

    /**
     * Subscribes to {@code service}'s changes, atomically with reading where to start: from the
     * changes after {@code fromIndex} if the history still holds them ({@code fromIndex >= 0}),
     * else from the whole current set ({@code reset} if {@code fromIndex} was given). The listener
     * is called with the registry's lock held, in index order: it must not block.
     */
    public Subscription subscribe(String service, long fromIndex, Consumer<Start> start,
                                  Consumer<EndpointChange> listener) {
        synchronized (lock) {
            long index = state.index();
            if (fromIndex >= 0) {
                var changes = history.after(service, fromIndex);
                if (changes.isPresent()) {
                    start.accept(new Start(Math.max(index, fromIndex), false, null, changes.get()));
                } else {
                    start.accept(new Start(index, true, endpoints(service), List.of()));
                }
            } else {
                start.accept(new Start(index, false, endpoints(service), List.of()));
            }
            subscribers.computeIfAbsent(service, s -> new ArrayList<>()).add(listener);
        }
        return () -> {
            synchronized (lock) {
                List<Consumer<EndpointChange>> listeners = subscribers.get(service);
                if (listeners != null) {
                    listeners.remove(listener);
                    if (listeners.isEmpty()) {
                        subscribers.remove(service);
                    }
                }
            }
        };
    }

    /**
     * Subscribes to every service's changes, like {@link #subscribe} for one: from the changes
     * after {@code fromIndex} (of any service) if the history still holds them, else from every
     * endpoint of every service ({@code snapshot}; {@code reset} if {@code fromIndex} was given).
     * The listener is called with the registry's lock held, in index order: it must not block.
     */
    public Subscription subscribeAll(long fromIndex, Consumer<Start> start, Consumer<EndpointChange> listener) {
        synchronized (lock) {
            long index = state.index();
            if (fromIndex >= 0) {
                var changes = history.afterAll(fromIndex);
                if (changes.isPresent()) {
                    start.accept(new Start(Math.max(index, fromIndex), false, null, changes.get()));
                } else {
                    start.accept(new Start(index, true, allEndpoints(), List.of()));
                }
            } else {
                start.accept(new Start(index, false, allEndpoints(), List.of()));
            }
            allSubscribers.add(listener);
        }
        return () -> {
            synchronized (lock) {
                allSubscribers.remove(listener);
            }
        };
    }

    /**
     * Runs {@code action} with the registry's lock held, given the index it is at: every change up
     * to that index has been published already (so a watch can send it as a heartbeat safely).
     */
    public <T> T atIndex(java.util.function.LongFunction<T> action) {
        synchronized (lock) {
            return action.apply(state.index());
        }
    }

    /** Called (outside the lock) after every applied entry: to wake watchers of indexes. */
    public void onIndex(Runnable listener) {
        indexListeners.add(listener);
    }

    /** For tests: the history's floor. */
    long historyFloor() {
        synchronized (lock) {
            return history.floor();
        }
    }
}
