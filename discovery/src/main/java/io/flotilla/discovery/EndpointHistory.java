package io.flotilla.discovery;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The last {@code capacity} endpoint changes, in index order, for watches that resume from an
 * index. Not thread-safe: {@link EndpointRegistry} guards it.
 *
 * <p>Invariant: every change with an index greater than {@link #floor()} is held. A resume from
 * index {@code n >= floor} is therefore exact (every change after {@code n}, nothing before); one
 * from {@code n < floor} cannot be, and gets the whole current set instead.
 */
final class EndpointHistory {
    private final int capacity;
    private final ArrayDeque<EndpointChange> all = new ArrayDeque<>();
    private final Map<String, ArrayDeque<EndpointChange>> byService = new HashMap<>();
    private long floor;

    EndpointHistory(int capacity, long floor) {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be positive: " + capacity);
        }
        this.capacity = capacity;
        this.floor = floor;
    }

    /** Changes with an index at most this are gone (or were never seen: the registry started there). */
    long floor() {
        return floor;
    }

    int size() {
        return all.size();
    }

    void add(EndpointChange change) {
        all.addLast(change);
        byService.computeIfAbsent(change.service(), s -> new ArrayDeque<>()).addLast(change);
        while (all.size() > capacity) {
            EndpointChange evicted = all.removeFirst();
            ArrayDeque<EndpointChange> ofService = byService.get(evicted.service());
            ofService.removeFirst(); // the oldest of its service too
            if (ofService.isEmpty()) {
                byService.remove(evicted.service());
            }
            floor = Math.max(floor, evicted.index());
        }
    }

    /** Every change of {@code service} with an index greater than {@code after}; empty if {@code after < floor}. */
    Optional<List<EndpointChange>> after(String service, long after) {
        if (after < floor) {
            return Optional.empty();
        }
        ArrayDeque<EndpointChange> ofService = byService.get(service);
        if (ofService == null) {
            return Optional.of(List.of());
        }
        List<EndpointChange> result = new ArrayList<>();
        Iterator<EndpointChange> newestFirst = ofService.descendingIterator();
        while (newestFirst.hasNext()) {
            EndpointChange change = newestFirst.next();
            if (change.index() <= after) {
                break;
            }
            result.add(change);
        }
        return Optional.of(result.reversed());
    }

    /** Every change of any service with an index greater than {@code after}; empty if {@code after < floor}. */
    Optional<List<EndpointChange>> afterAll(long after) {
        if (after < floor) {
            return Optional.empty();
        }
        List<EndpointChange> result = new ArrayList<>();
        Iterator<EndpointChange> newestFirst = all.descendingIterator();
        while (newestFirst.hasNext()) {
            EndpointChange change = newestFirst.next();
            if (change.index() <= after) {
                break;
            }
            result.add(change);
        }
        return Optional.of(result.reversed());
    }
}
