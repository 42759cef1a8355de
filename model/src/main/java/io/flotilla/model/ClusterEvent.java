package io.flotilla.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.time.Instant;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * One typed event of the cluster ({@code GET /v1/events}, {@code flotilla events}), derived by
 * apply from a log entry and the states before and after it: a pure function of the log, so every
 * manager derives the same events with the same positions. {@code (index, seq)} orders them: the
 * entry's log index and the event's place among that entry's events (from 0). A client resumes
 * after the last position it read.
 *
 * @param time       from the command ({@code at}, a status timestamp); null when the entry carries none
 *                   and no event came before it
 * @param type       dotted lower case: {@code node.down}, {@code service.scaled}, {@code task.failed}, …
 *                   ({@link #TYPES}); {@code heartbeat} and {@code events.truncated} only on the stream
 * @param node       a node id; {@code service} a service's full name; {@code task} a task id; null when
 *                   the event names none
 * @param attributes more about it, by name ({@code error}, {@code from}, {@code to}, …); empty when none
 */
public record ClusterEvent(long index, int seq, Instant time, String type, String stack, String service, String node,
                           String task, String message,
                           @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> attributes) {
    /** Every type apply derives, in the order docs/api.md lists them. */
    public static final java.util.List<String> TYPES = java.util.List.of(
            "node.joined", "node.down", "node.back", "node.drained", "node.removed", "leader.changed",
            "service.created", "service.updated", "service.scaled", "service.rolled_back", "service.removed",
            "service.update_paused", "service.update_completed",
            "task.assigned", "task.running", "task.failed", "task.rejected", "task.orphaned", "task.replaced",
            "task.fenced", "volume.bound", "registration.expired", "audit", "events.elided");
    /** On the stream only: no event is lost, the stream is alive at {@code index}. */
    public static final String HEARTBEAT = "heartbeat";
    /** On the stream only, first: the events the client asked for start before the retained ones. */
    public static final String TRUNCATED = "events.truncated";

    public ClusterEvent {
        Checks.requireText(type, "event type");
        if (index < 0 || seq < 0) {
            throw new IllegalArgumentException("event position must not be negative: " + index + "/" + seq);
        }
        attributes = attributes == null || attributes.isEmpty() ? Map.of()
                : Collections.unmodifiableMap(new TreeMap<>(attributes));
    }

    /** Whether this event comes after position {@code (afterIndex, afterSeq)}. */
    public boolean after(long afterIndex, int afterSeq) {
        return index > afterIndex || (index == afterIndex && seq > afterSeq);
    }

    /** The position as the stream's {@code id} and {@code since} write it: {@code INDEX/SEQ}. */
    public String position() {
        return index + "/" + seq;
    }
}
