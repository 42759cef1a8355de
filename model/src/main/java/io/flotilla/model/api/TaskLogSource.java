package io.flotilla.model.api;

import io.flotilla.model.Task;
import java.io.IOException;
import java.io.OutputStream;

/**
 * Where a task's output can be read: the agent of the task's node. The manager's API streams
 * {@code service logs} through it without knowing where the node is.
 */
public interface TaskLogSource {
    /**
     * Writes the task's log lines to {@code out}: the last {@code tail} lines (all if negative),
     * then, with {@code follow}, new lines as they come until the task ends or {@code out} fails
     * (the reader went away). Returns without error for a task with no output yet.
     */
    void write(Task task, int tail, boolean follow, OutputStream out) throws IOException;

    TaskLogSource NONE = (task, tail, follow, out) -> { };
}
