package io.flotilla.model;

/**
 * Task states, in the only order a task may move through them. A task never goes back: a
 * replacement is a new task in the same slot.
 *
 * <pre>
 * NEW → PENDING → ASSIGNED → PREPARING → STARTING → RUNNING → COMPLETE | FAILED | SHUTDOWN | REJECTED | ORPHANED
 * </pre>
 * Any state may jump forward (a task can fail while starting, be rejected while assigned, or be
 * shut down before it ever ran); the terminal states are final.
 */
public enum TaskState {
    NEW, PENDING, ASSIGNED, PREPARING, STARTING, RUNNING, COMPLETE, FAILED, SHUTDOWN, REJECTED, ORPHANED;

    public boolean isTerminal() {
        return compareTo(COMPLETE) >= 0;
    }

    /** True when moving from this state to {@code next} goes forward (or stays, to refresh details). */
    public boolean canMoveTo(TaskState next) {
        if (isTerminal()) {
            return next == this;
        }
        return next.compareTo(this) >= 0;
    }

    public String displayName() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
