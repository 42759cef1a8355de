package io.flotilla.manager.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import io.flotilla.state.ClusterState;
import java.util.List;

/**
 * A task as {@code GET /v1/tasks} and {@code GET /v1/services/{id}/tasks} answer it: the task's own
 * fields, and its addresses on its networks ({@code service ps}, {@code service inspect}), which
 * the state keeps apart from the task (its network table). A reader that knows only {@link Task}
 * reads it as one (unknown fields are ignored); {@code addresses} is left out when there are none.
 */
record TaskAnswer(@JsonUnwrapped Task task, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TaskAddress> addresses) {
    static List<TaskAnswer> of(ClusterState state, List<Task> tasks) {
        return tasks.stream().map(task -> new TaskAnswer(task, state.networks().addressesOf(task))).toList();
    }
}
