package io.flotilla.agent.runner;

import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.health.HealthChecker;
import io.flotilla.model.Task;
import java.time.InstantSource;

/**
 * Checks one running task's health: through its driver where the driver checks health itself (a
 * container's own healthcheck), else with a {@link HealthChecker} on this node, in the task's
 * environment and working directory. Each change is told to the runner: the task's status shows it
 * while the task runs, and an unhealthy task fails. Guarded by the runner's lock.
 */
final class TaskHealth {
    private final TaskRunner runner;
    private final Task task;
    private final TaskWorkspace workspace;
    private final InstantSource clock;
    private final HealthChecker.Listener listener = this::changed;
    private HealthChecker checker;

    TaskHealth(TaskRunner runner, Task task, TaskWorkspace workspace, InstantSource clock) {
        this.runner = runner;
        this.task = task;
        this.workspace = workspace;
        this.clock = clock;
    }

    /** Whether the task's template asks for health checks. */
    static boolean enabled(Task task) {
        return task.spec().healthcheck() != null && !task.spec().healthcheck().disabled();
    }

    /** Starts checking the process {@code handle}, if the task asks for it. */
    void start(TaskHandle handle) {
        if (!enabled(task)) {
            return;
        }
        if (handle != null && handle.checksHealth()) {
            handle.watchHealth(listener::healthChanged);
            return;
        }
        checker = new HealthChecker(task.id(), task.spec().healthcheck(), workspace.environment, workspace.workingDir,
                workspace.directory.root().resolve("health.log"), clock, listener);
        checker.start();
    }

    /** Stops the checks of this node (a driver's own end with its process). */
    void close() {
        if (checker != null) {
            checker.close();
        }
    }

    /** Stops the checks and forgets them: the process they checked is being replaced. */
    void closeForRestart() {
        close();
        checker = null;
    }

    /** A new health: shown in the status while the task runs; an unhealthy task fails. */
    private void changed(String health, String output) {
        if (!health.equals(runner.status().health()) && runner.runsStill("health: " + health, health)
                && HealthChecker.UNHEALTHY.equals(health)) {
            runner.fail("unhealthy", "unhealthy: " + output);
        }
    }
}
