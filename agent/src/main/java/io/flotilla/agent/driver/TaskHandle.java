package io.flotilla.agent.driver;

import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** A running task as its driver sees it: the agent signals it and learns when it ends. */
public interface TaskHandle {
    /** The task's main process id (the leader of its process group for the process driver). */
    long pid();

    /** Completes once the task has ended, with how it ended; never completes exceptionally. */
    CompletableFuture<ExitStatus> exit();

    /** Sends {@code signal} (a name such as {@code TERM}, see {@link Signals}) to the whole task. */
    void signal(String signal) throws IOException;

    /** Kills whatever is left of the task (SIGKILL to its process group); quiet if nothing is left. */
    void killAll();
}
