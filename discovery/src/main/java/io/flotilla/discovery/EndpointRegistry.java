package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import io.flotilla.state.Changes;
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
import io.flotilla.state.TriePMap;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The endpoint registry of one manager: every service's healthy endpoints, kept current by
 * following the applied log ({@link #applied}; what an entry changes is computed by
 * {@link EndpointChanges}), with a bounded history of changes so that a watch resumes from an
 * index without a gap or a repeat; it publishes each change to its subscribers.
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
    /** {@link #generation}: bumped, with the lock held, after each change a DNS answer may read. */
    private volatile long generation;
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
                    next = next.plus(name, TriePMap.from(endpoints)); // a service's: up to a million
                }
            }
            history = new EndpointHistory(historyCapacity, newState.index());
            List<EndpointChange> changes = new ArrayList<>();
            for (String name : names) {
                EndpointChange change = EndpointChanges.diff(newState.index(), name, current.get(name), next.get(name));
                if (change != null) {
                    changes.add(change);
                }
            }
            current = next;
            state = newState;
            generation++;
            noteChanges(changes);
            changes.forEach(this::publish);
        }
        indexListeners.forEach(Runnable::run);
    }

    /**
     * Follows one applied log entry: recomputes the endpoints what it changed (apply's
     * {@link Changes}) may have changed ({@link AffectedServices}): whole services, or single
     * tasks' and registrations' endpoints.
     */
    public void applied(ClusterState before, Changes changed, ClusterState after) {
        AffectedServices.Affected affected = AffectedServices.of(before, changed, after);
        synchronized (lock) {
            List<EndpointChange> changes = EndpointChanges.of(before, affected, after, current);
            current = EndpointChanges.applyTo(current, changes);
            state = after;
            if (!changes.isEmpty() || !changed.services().isEmpty()) {
                generation++; // what DNS reads: the endpoints, and the services (knows, stateful)
            }
            noteChanges(changes);
            for (EndpointChange change : changes) {
                history.add(change);
                publish(change);
            }
        }
        indexListeners.forEach(Runnable::run);
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

    /**
     * Grows with every change of the endpoints or of the services (the entries that change
     * neither, most of the log, leave it): what the DNS server's answer cache checks. Lock-free.
     */
    @Override
    public long generation() {
        return generation;
    }

    /** The index of the last change of any service's endpoints. Lock-free. */
    public long lastChangeIndex() {
        return lastAnyChange;
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

    /** Subscriptions open now (watches of one service, and of all): what {@code flotilla_discovery_watchers} reads. */
    public int watchers() {
        synchronized (lock) {
            int count = allSubscribers.size();
            for (List<Consumer<EndpointChange>> listeners : subscribers.values()) {
                count += listeners.size();
            }
            return count;
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
