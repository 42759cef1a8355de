package io.flotilla.agent.runner;

import io.flotilla.model.TaskStatus;

/** Told of every status a task runner moves to (including health changes). */
@FunctionalInterface
public interface TaskStatusListener {
    void statusChanged(String taskId, TaskStatus status);
}
