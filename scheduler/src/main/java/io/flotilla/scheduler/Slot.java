package io.flotilla.scheduler;

import java.util.Comparator;

/**
 * Where a task belongs within its service: slot {@code 1..replicas} for a replicated service, or
 * the node for a global one (slot 0). Successive tasks of a slot are its history.
 */
record Slot(int number, String nodeId) implements Comparable<Slot> {
    private static final Comparator<Slot> ORDER = Comparator.comparingInt(Slot::number)
            .thenComparing(s -> s.nodeId() == null ? "" : s.nodeId());

    static Slot replicated(int number) {
        return new Slot(number, null);
    }

    static Slot global(String nodeId) {
        return new Slot(0, nodeId == null ? "" : nodeId);
    }

    @Override
    public int compareTo(Slot other) {
        return ORDER.compare(this, other);
    }
}
