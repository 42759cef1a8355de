package io.flotilla.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;

/**
 * Where a service's rolling update stands (SwarmKit's UpdateStatus), kept in the replicated state
 * so that {@code service inspect} and a new leader see it. Set to {@link State#UPDATING} by apply
 * when the task template changes, and moved on by the orchestrator's proposals:
 *
 * <pre>
 * UPDATING ─all slots updated, monitor passed─▶ COMPLETED
 *    │ failures over max_failure_ratio
 *    ├─ failure_action pause ─▶ PAUSED (no more batches until the next update)
 *    └─ failure_action rollback ─▶ ROLLBACK_STARTED ─▶ ROLLBACK_COMPLETED
 *                                        └─ failures ─▶ ROLLBACK_PAUSED
 * </pre>
 * A manual {@code service rollback} also starts at ROLLBACK_STARTED; a new update starts over at
 * UPDATING from any state.
 *
 * @param completedAt when it reached COMPLETED or ROLLBACK_COMPLETED; null before
 * @param message     why it is in this state, in words (the failed task and its error for a pause)
 */
public record ServiceUpdateStatus(State state, Instant startedAt, Instant completedAt, String message) {
    public enum State {
        @JsonProperty("updating") UPDATING,
        @JsonProperty("paused") PAUSED,
        @JsonProperty("completed") COMPLETED,
        @JsonProperty("rollback_started") ROLLBACK_STARTED,
        @JsonProperty("rollback_paused") ROLLBACK_PAUSED,
        @JsonProperty("rollback_completed") ROLLBACK_COMPLETED;

        /** Batches are being started (UPDATING or ROLLBACK_STARTED). */
        public boolean inProgress() {
            return this == UPDATING || this == ROLLBACK_STARTED;
        }

        public boolean paused() {
            return this == PAUSED || this == ROLLBACK_PAUSED;
        }

        public boolean rollback() {
            return this == ROLLBACK_STARTED || this == ROLLBACK_PAUSED || this == ROLLBACK_COMPLETED;
        }

        public String displayName() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public ServiceUpdateStatus {
        java.util.Objects.requireNonNull(state, "state");
        java.util.Objects.requireNonNull(startedAt, "startedAt");
    }

    public static ServiceUpdateStatus updating(Instant at) {
        return new ServiceUpdateStatus(State.UPDATING, at, null, "update in progress");
    }

    public static ServiceUpdateStatus rollbackStarted(Instant at, String reason) {
        return new ServiceUpdateStatus(State.ROLLBACK_STARTED, at, null, reason);
    }

    /** The same update, moved to {@code next} (completed ones get {@code at} as completedAt). */
    public ServiceUpdateStatus moveTo(State next, Instant at, String newMessage) {
        boolean done = next == State.COMPLETED || next == State.ROLLBACK_COMPLETED;
        return new ServiceUpdateStatus(next, startedAt, done ? at : null, newMessage);
    }
}
