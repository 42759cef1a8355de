package io.flotilla.state;

import io.flotilla.model.ClusterEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.pcollections.PVector;
import org.pcollections.TreePVector;

/**
 * The last {@link #RETAINED} events of the cluster ({@link ClusterEvent}), part of the replicated
 * state so that every manager answers the same history, after a restart and a snapshot load too.
 * Immutable (a persistent vector): an append is O(log n) and a reader keeps its copy without locks.
 *
 * <p>It remembers the position of the last event it dropped, so a reader asking for events after
 * an older position learns that some are gone ({@link #truncatedAfter}) instead of silently
 * skipping them; and the last time an event carried ({@link #lastTime}), the time given to events
 * of an entry whose command carries none (older entries of {@code node rm}, for one).
 */
public final class EventLog {
    /** How many events the state keeps: enough for a night of a busy cluster, ~3 MB in a snapshot. */
    public static final int RETAINED = 10_000;

    static {
        if (EventDerivation.MAX_PER_ENTRY >= RETAINED) {
            throw new AssertionError("one entry's events must fit in the retained window");
        }
    }

    static final EventLog EMPTY = new EventLog(TreePVector.empty(), -1, -1, null, RETAINED);

    /** The serializable form, in a snapshot: the retained events and the last dropped position. */
    public record Saved(List<ClusterEvent> events, long droppedIndex, int droppedSeq, Instant lastTime) {
        public Saved {
            events = events == null ? List.of() : List.copyOf(events);
        }
    }

    private final PVector<ClusterEvent> events;
    private final long droppedIndex;
    private final int droppedSeq;
    private final Instant lastTime;
    private final int capacity;

    private EventLog(PVector<ClusterEvent> events, long droppedIndex, int droppedSeq, Instant lastTime, int capacity) {
        this.events = events;
        this.droppedIndex = droppedIndex;
        this.droppedSeq = droppedSeq;
        this.lastTime = lastTime;
        this.capacity = capacity;
    }

    /** An empty log keeping {@code capacity} events (tests use small ones). */
    static EventLog withCapacity(int capacity) {
        if (capacity < 1) {
            throw new IllegalArgumentException("event capacity must be positive: " + capacity);
        }
        return new EventLog(TreePVector.empty(), -1, -1, null, capacity);
    }

    static EventLog of(Saved saved) {
        return saved == null ? EMPTY : of(saved, RETAINED);
    }

    /** The saved log keeping {@code capacity} events (a smaller capacity than it was saved with drops the oldest). */
    static EventLog of(Saved saved, int capacity) {
        return new EventLog(TreePVector.from(saved.events()), saved.droppedIndex(), saved.droppedSeq(),
                saved.lastTime(), capacity).append(List.of());
    }

    public Saved saved() {
        return new Saved(List.copyOf(events), droppedIndex, droppedSeq, lastTime);
    }

    /** The retained events, oldest first. */
    public List<ClusterEvent> all() {
        return events;
    }

    public int size() {
        return events.size();
    }

    /** The time of the last event that had one, or null. */
    public Instant lastTime() {
        return lastTime;
    }

    /** Whether events after position {@code (index, seq)} were dropped: a reader there missed some. */
    public boolean truncatedAfter(long index, int seq) {
        return droppedIndex > index || (droppedIndex == index && droppedSeq > seq);
    }

    /** The position of the last dropped event ({@code -1/-1}: none dropped). */
    public String droppedPosition() {
        return droppedIndex + "/" + droppedSeq;
    }

    /** The retained events after position {@code (index, seq)}, oldest first (a binary search, then a copy). */
    public List<ClusterEvent> after(long index, int seq) {
        int low = 0;
        int high = events.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (events.get(mid).after(index, seq)) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        List<ClusterEvent> result = new ArrayList<>(events.size() - low);
        for (int i = low; i < events.size(); i++) {
            result.add(events.get(i));
        }
        return result;
    }

    /** The log with {@code added} at its end, the oldest dropped beyond the capacity. */
    EventLog append(List<ClusterEvent> added) {
        PVector<ClusterEvent> grown = events.plusAll(added);
        Instant time = lastTime;
        for (ClusterEvent event : added) {
            time = event.time() != null ? event.time() : time;
        }
        long dropIndex = droppedIndex;
        int dropSeq = droppedSeq;
        int excess = grown.size() - capacity;
        if (excess > 0) {
            ClusterEvent last = grown.get(excess - 1);
            dropIndex = last.index();
            dropSeq = last.seq();
            for (int i = 0; i < excess; i++) {
                grown = grown.minus(0); // O(log n) each; subList would recurse once per element
            }
        }
        return added.isEmpty() && excess <= 0 ? this : new EventLog(grown, dropIndex, dropSeq, time, capacity);
    }
}
