package io.flotilla.manager.loops;

import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import java.util.List;
import java.util.function.Supplier;

/**
 * The tasks waiting to be placed, counted by why ({@code flotilla_leader_pending_tasks{reason}}):
 * the scheduler's pending message is words for a person, so it is sorted here into a few reasons an
 * operator can graph and alert on. Counted from the state's index of unplaced tasks at scrape time,
 * once per state index however many reasons are read.
 */
public final class PendingTasks {
    /** The reasons, in the order a message is tested against them; {@code none}: not tried yet. */
    public static final List<String> REASONS =
            List.of("no_suitable_node", "backoff", "dependency", "volume", "network", "other", "none");

    private final Supplier<ClusterState> state;
    private long countedAt = -1;
    private long[] counts = new long[REASONS.size()];

    public PendingTasks(Supplier<ClusterState> state) {
        this.state = state;
    }

    /** How many tasks wait for {@code reason} (one of {@link #REASONS}) now. */
    public synchronized long count(String reason) {
        ClusterState now = state.get();
        if (now.index() != countedAt) {
            long[] fresh = new long[REASONS.size()];
            for (Task task : now.unplacedTasks()) {
                if (task.desiredState() == TaskState.RUNNING && task.state().compareTo(TaskState.ASSIGNED) < 0) {
                    fresh[REASONS.indexOf(reason(task.status().error()))]++;
                }
            }
            counts = fresh;
            countedAt = now.index();
        }
        return counts[REASONS.indexOf(reason)];
    }

    /** The reason a pending message stands for. */
    static String reason(String error) {
        if (error == null || error.isBlank()) {
            return "none";
        }
        if (error.startsWith("no suitable node")) {
            return "no_suitable_node";
        }
        if (error.contains("(backoff)")) {
            return "backoff";
        }
        if (error.startsWith("waiting for dependency")) {
            return "dependency";
        }
        if (error.contains("volume")) {
            return "volume";
        }
        if (error.startsWith("network ") || error.contains("address")) {
            return "network";
        }
        return "other";
    }
}
