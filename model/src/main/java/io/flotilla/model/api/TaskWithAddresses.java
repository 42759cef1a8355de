package io.flotilla.model.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.Json;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import java.util.List;
import java.util.Objects;

/**
 * A task as {@code GET /v1/tasks} and {@code GET /v1/services/{id}/tasks} answer it (the manager's
 * {@code TaskAnswer}): the task's own fields and, beside them, its addresses on its networks, which
 * the state keeps apart from the task. {@link Task} alone would drop them; {@code service ps} shows
 * them. Written in the same flat shape ({@code addresses} left out when there are none), so a test
 * server can answer with it.
 */
public record TaskWithAddresses(@JsonUnwrapped Task task,
                                @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TaskAddress> addresses) {
    private static final TypeReference<List<TaskAddress>> ADDRESSES = new TypeReference<>() {};

    public TaskWithAddresses {
        Objects.requireNonNull(task, "task");
        addresses = addresses == null ? List.of() : List.copyOf(addresses);
    }

    /**
     * Reads the flat shape: Jackson cannot build a record through an unwrapped creator parameter, so
     * the task is read from the whole object (its unknown {@code addresses} ignored) and the
     * addresses from their field.
     */
    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    static TaskWithAddresses read(JsonNode node) {
        Task task = Json.MAPPER.convertValue(node, Task.class);
        JsonNode addresses = node.get("addresses");
        return new TaskWithAddresses(task, addresses == null || addresses.isNull() ? List.of()
                : Json.MAPPER.convertValue(addresses, ADDRESSES));
    }
}
