package io.flotilla.agent.runner;

import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.model.TaskState;
import java.time.Instant;

/**
 * How a task whose process ended ends: FAILED when its fencing watchdog killed it, the state a
 * stop asked for when one was, else COMPLETE on exit 0 and FAILED otherwise. Pure.
 */
record TaskEnding(TaskState state, String message, String error, Integer exitCode) {
    /**
     * @param fencedAt     when the watchdog fenced the task; null when it did not
     * @param requested    the final state a stop asked for; null when none was asked
     */
    static TaskEnding of(ExitStatus exit, Instant fencedAt, TaskState requested, String reason, String requestError) {
        if (fencedAt != null) {
            return new TaskEnding(TaskState.FAILED, "fenced (" + exit.describe() + ")", Fencing.error(fencedAt),
                    exit.exitCode());
        }
        if (requested != null) {
            return new TaskEnding(requested, "stopped: " + reason + " (" + exit.describe() + ")", requestError,
                    exit.exitCode());
        }
        return exit.succeeded() ? new TaskEnding(TaskState.COMPLETE, "exited with code 0", null, 0)
                : new TaskEnding(TaskState.FAILED, exit.describe(), exit.describe(), exit.exitCode());
    }
}
