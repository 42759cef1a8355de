package io.flotilla.model.api;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import io.flotilla.model.Task;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything the cluster wants of one node, as of state {@code index}: every task assigned to it
 * that is not yet known to have ended, with its desired state. Level-triggered: an agent that
 * receives a set compares it with what it runs; a task it runs that is missing from the set is
 * no longer wanted.
 *
 * @param assignments  per task id, how the task is wired into the cluster ({@link Assignment}: its
 *                     ports, fencing, dependencies, volumes); a task not in it has
 *                     {@link Assignment#NONE}
 * @param dependencies for every service a task of the set depends on (depends_on or
 *                     {@code x-flotilla.requires}), its healthy endpoints now as sorted
 *                     {@code host:port} strings (the service's first port); the agent gives them
 *                     to the tasks and applies each task's policy when they change
 * @param session      what the node follows besides its tasks ({@link NodeSession}: its spec, the
 *                     managers, the mesh's services, the CA); null from a manager that sends none
 *
 * <p>On the wire each template is written once per service version ({@link AssignmentSetJson}).
 */
@JsonSerialize(using = AssignmentSetJson.Serializer.class)
@JsonDeserialize(using = AssignmentSetJson.Deserializer.class)
public record AssignmentSet(long index, String nodeId, List<Task> tasks, Map<String, Assignment> assignments,
                            Map<String, List<String>> dependencies, NodeSession session) {
    public AssignmentSet {
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
        TreeMap<String, Assignment> wired = new TreeMap<>();
        if (assignments != null) {
            assignments.forEach((taskId, assignment) -> {
                if (assignment != null && !assignment.equals(Assignment.NONE)) {
                    wired.put(taskId, assignment);
                }
            });
        }
        assignments = Collections.unmodifiableMap(wired);
        if (dependencies == null) {
            dependencies = Map.of();
        } else {
            TreeMap<String, List<String>> copy = new TreeMap<>();
            dependencies.forEach((service, endpoints) -> copy.put(service,
                    endpoints == null ? List.of() : List.copyOf(endpoints)));
            dependencies = Collections.unmodifiableMap(copy);
        }
    }

    /** A set without a session part. */
    public AssignmentSet(long index, String nodeId, List<Task> tasks, Map<String, Assignment> assignments,
                         Map<String, List<String>> dependencies) {
        this(index, nodeId, tasks, assignments, dependencies, null);
    }

    /** This set with {@code newSession} as its session part. */
    public AssignmentSet withSession(NodeSession newSession) {
        return new AssignmentSet(index, nodeId, tasks, assignments, dependencies, newSession);
    }

    /** A set whose tasks all have {@link Assignment#NONE}. */
    public AssignmentSet(long index, String nodeId, List<Task> tasks, Map<String, List<String>> dependencies) {
        this(index, nodeId, tasks, Map.of(), dependencies);
    }

    /** A set whose tasks all have {@link Assignment#NONE}, without dependency endpoints. */
    public AssignmentSet(long index, String nodeId, List<Task> tasks) {
        this(index, nodeId, tasks, Map.of(), Map.of());
    }

    /** How the task {@code taskId} is wired into the cluster; {@link Assignment#NONE} when the set says nothing. */
    public Assignment assignment(String taskId) {
        return assignments.getOrDefault(taskId, Assignment.NONE);
    }
}
