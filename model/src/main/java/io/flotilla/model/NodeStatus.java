package io.flotilla.model;

import java.time.Instant;
import java.util.Set;

/**
 * What the node reports of itself, and the leader's verdict on its liveness.
 *
 * @param address   the address its tasks are reached at (and its API on a manager)
 * @param resources what the node offers to tasks in total
 * @param drivers   the task drivers it can run ({@code process}, {@code docker})
 */
public record NodeStatus(NodeState state, String hostname, String address, Resources resources, Set<String> drivers,
                         Instant since, String message) {
    public NodeStatus {
        state = state == null ? NodeState.UNKNOWN : state;
        resources = resources == null ? Resources.NONE : resources;
        drivers = Checks.set(drivers);
    }

    public NodeStatus withState(NodeState newState, Instant at, String newMessage) {
        return new NodeStatus(newState, hostname, address, resources, drivers, at, newMessage);
    }
}
