package io.flotilla.model.api;

import io.flotilla.model.Task;
import java.util.List;

/**
 * Everything the cluster wants of one node, as of state {@code index}: every task assigned to it
 * that is not yet known to have ended, with its desired state. Level-triggered: an agent that
 * receives a set compares it with what it runs; a task it runs that is missing from the set is
 * no longer wanted.
 */
public record AssignmentSet(long index, String nodeId, List<Task> tasks) {
    public AssignmentSet {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }
}
