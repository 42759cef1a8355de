package io.flotilla.agent.runner;

import io.flotilla.model.TaskState;
import java.util.List;

/**
 * The steps a task takes on its node, one at a time and only forward:
 *
 * <pre>
 * from \ to   PREPARING  STARTING  RUNNING  COMPLETE  FAILED  SHUTDOWN  REJECTED   (same state)
 * ASSIGNED        ✓          -        -        -        ✓        ✓         ✓            ✓
 * PREPARING       -          ✓        -        -        ✓        ✓         ✓            ✓
 * STARTING        -          -        ✓        ✓        ✓        ✓         -            ✓
 * RUNNING         -          -        -        ✓        ✓        ✓         -            ✓
 * terminal        -          -        -        -        -        -         -            -
 * </pre>
 *
 * A task may end from any live state (it fails to prepare, exits while starting, is shut down
 * before it ran); it is REJECTED only before it started (this node cannot run it); COMPLETE means
 * a process ran and exited 0. Staying in the same live state refreshes details (health); a
 * terminal state is final. The manager's own states (NEW, PENDING, ORPHANED) never occur here.
 */
public final class TaskStateMachine {
    private static final List<TaskState> STEPS =
            List.of(TaskState.ASSIGNED, TaskState.PREPARING, TaskState.STARTING, TaskState.RUNNING);

    private TaskStateMachine() {}

    public static boolean allows(TaskState from, TaskState to) {
        if (!STEPS.contains(from)) {
            return false;
        }
        if (from == to) {
            return true;
        }
        return switch (to) {
            case PREPARING, STARTING, RUNNING -> STEPS.indexOf(to) == STEPS.indexOf(from) + 1;
            case COMPLETE -> from == TaskState.STARTING || from == TaskState.RUNNING;
            case FAILED, SHUTDOWN -> true;
            case REJECTED -> from == TaskState.ASSIGNED || from == TaskState.PREPARING;
            case NEW, PENDING, ASSIGNED, ORPHANED -> false;
        };
    }
}
