package io.flotilla.agent.runner;

import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.time.Instant;
import java.util.Map;

/**
 * The status of one task on this node, kept for its runner ({@link TaskRunner}): it moves one step
 * at a time and only forward ({@link TaskStateMachine}), holds the versions of the task's secrets
 * and configs while the task is live (none once it ended), and each status it takes goes to the
 * listener at once. Each step's status is made here from what the step knows: a RUNNING one takes
 * its process's pid and container, a refresh keeps them, an end keeps the last status's. Guarded by
 * the runner's lock, which orders the moves; the runner decides which step may happen.
 */
final class TaskStatusKeeper {
    private final Task task;
    private final TaskRunnerContext context;
    private final TaskWorkspace workspace;
    private TaskStatus status;

    TaskStatusKeeper(Task task, TaskRunnerContext context, TaskWorkspace workspace, TaskStatus initial) {
        this.task = task;
        this.context = context;
        this.workspace = workspace;
        this.status = initial;
    }

    /** The first status of a task an earlier agent started and that still runs {@code handle}. */
    static TaskStatus adopted(Instant at, TaskHandle handle, Map<String, Integer> hostPorts, String health) {
        return new TaskStatus(TaskState.RUNNING, at, "adopted by a restarted agent", null, null, pidOf(handle),
                handle.containerId(), hostPorts, health);
    }

    TaskStatus current() {
        return status;
    }

    TaskState state() {
        return status.state();
    }

    String health() {
        return status.health();
    }

    /** Tells the listener the current status again. */
    void tell() {
        context.listener().statusChanged(task.id(), status);
    }

    /** An adopted task's status: with the file versions it kept, for its first report. */
    void holdFiles() {
        status = status.withFiles(workspace.files.held());
    }

    /** RUNNING {@code process}: its pid and container, the task's host ports, {@code health}. */
    void running(TaskHandle process, String message, String health) {
        move(new TaskStatus(TaskState.RUNNING, context.clock().instant(), message, null, null, pidOf(process),
                process.containerId(), workspace.hostPorts, health));
    }

    /** RUNNING still, the same process, with a new message and health. */
    void stillRunning(String message, String health) {
        move(new TaskStatus(TaskState.RUNNING, context.clock().instant(), message, null, null, status.pid(),
                status.containerId(), status.hostPorts(), health));
    }

    /** A step before the task's process runs (PREPARING, STARTING): no process yet. */
    void step(TaskState state, String message) {
        move(new TaskStatus(state, context.clock().instant(), message, null, null, null, null, workspace.hostPorts, null));
    }

    /** The final status, with the last one's process, host ports and health; returns it. */
    TaskStatus end(TaskState state, String message, String error, Integer exitCode) {
        TaskStatus last = new TaskStatus(state, context.clock().instant(), message, error, exitCode, status.pid(),
                status.containerId(), status.hostPorts(), status.health());
        move(last);
        return last;
    }

    /** The one place the status changes (with the file versions the task holds, none once it ended). */
    private void move(TaskStatus next) {
        if (!TaskStateMachine.allows(status.state(), next.state())) {
            throw new IllegalStateException("task " + task.id() + " cannot go from " + status.state() + " to "
                    + next.state());
        }
        status = next.state().isTerminal() ? next : next.withFiles(workspace.files.held());
        context.listener().statusChanged(task.id(), status);
    }

    private static Long pidOf(TaskHandle handle) {
        return handle.pid() > 0 ? handle.pid() : null;
    }
}
