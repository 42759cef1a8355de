package io.flotilla.discovery.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A service's endpoints, kept current by a {@link ServiceWatcher}: readers get an immutable list
 * that is replaced on every change (no lock on the read path), plus the index it is at.
 */
public final class EndpointList {
    private final Object lock = new Object();
    private final Map<String, Endpoint> byId = new TreeMap<>();
    private volatile List<Endpoint> current = List.of();
    private volatile long index = -1;
    private final List<Consumer<List<Endpoint>>> listeners = new CopyOnWriteArrayList<>();

    /** The endpoints now, sorted by id. */
    public List<Endpoint> current() {
        return current;
    }

    /** The index of the last event applied; -1 before the first. */
    public long index() {
        return index;
    }

    /** Called with the new list after every change. */
    public void onChange(Consumer<List<Endpoint>> listener) {
        listeners.add(listener);
    }

    /** Waits until the list is not empty or {@code max} passed; returns the list either way. */
    public List<Endpoint> awaitNonEmpty(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        synchronized (lock) {
            while (current.isEmpty()) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    break;
                }
                lock.wait(Math.max(1, left / 1_000_000));
            }
            return current;
        }
    }

    void replace(long newIndex, Collection<Endpoint> endpoints) {
        synchronized (lock) {
            byId.clear();
            endpoints.forEach(e -> byId.put(e.id(), e));
            publish(newIndex);
        }
    }

    void apply(long newIndex, Collection<Endpoint> upserted, Collection<String> removed) {
        synchronized (lock) {
            removed.forEach(byId::remove);
            upserted.forEach(e -> byId.put(e.id(), e));
            publish(newIndex);
        }
    }

    void advance(long newIndex) {
        if (newIndex > index) {
            index = newIndex;
        }
    }

    private void publish(long newIndex) {
        List<Endpoint> next = List.copyOf(new ArrayList<>(byId.values()));
        current = next;
        advance(newIndex);
        lock.notifyAll();
        listeners.forEach(listener -> listener.accept(next));
    }
}
