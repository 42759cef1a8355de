package io.flotilla.agent.driver;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;

/** A running task as its driver sees it: the agent signals it and learns when it ends. */
public interface TaskHandle {
    /** The task's main process id (the leader of its process group for the process driver); 0 if unknown. */
    long pid();

    /** The container running the task, or null for a task that is not a container. */
    default String containerId() {
        return null;
    }

    /** Completes once the task has ended, with how it ended; never completes exceptionally. */
    CompletableFuture<ExitStatus> exit();

    /** Sends {@code signal} (a name such as {@code TERM}, see {@link Signals}) to the whole task. */
    void signal(String signal) throws IOException;

    /** Kills whatever is left of the task (SIGKILL to its process group); quiet if nothing is left. */
    void killAll();

    /**
     * True when the driver runs the task's healthcheck itself (Docker does); the agent then
     * learns the health through {@link #watchHealth} instead of running the checks.
     */
    default boolean checksHealth() {
        return false;
    }

    /** Calls {@code listener(health, lastProbeOutput)} on every health change; only if {@link #checksHealth()}. */
    default void watchHealth(BiConsumer<String, String> listener) {}
}
