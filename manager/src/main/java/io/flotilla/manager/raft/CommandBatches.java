package io.flotilla.manager.raft;

import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Splits a command over many tasks into commands over at most a bounded number each, so that one
 * decision over a million tasks does not become one log entry of hundreds of megabytes (Ratis
 * refuses entries larger than its write buffer and appender limits: 8 MB and 4 MB by default).
 *
 * <p>Splitting changes nothing but the entry boundaries: apply handles the items of these
 * commands one by one and independently, so applying the parts in order is applying the whole.
 * Commands that are not lists of tasks are returned as they are.
 */
public final class CommandBatches {
    /**
     * Tasks per CreateTasks entry: in the log a task is about 50 bytes of JSON (its template is
     * written once per entry, see {@code CreateTasksJson}): entries of about 0.25 MB, more for
     * restarts or pre-placed global tasks, which carry a few more fields.
     */
    public static final int MAX_TASKS = 5_000;
    /** Nodes per UpsertNodes entry: a node (resources, labels, status) is a few hundred bytes of JSON. */
    public static final int MAX_NODES = 1_000;
    /** Items per entry of the commands with small items (assignments, statuses, ids). */
    public static final int MAX_ITEMS = 5_000;

    private CommandBatches() {}

    public static List<Command> split(Command command) {
        return switch (command) {
            case Command.CreateTasks c -> chunks(c.tasks(), MAX_TASKS, Command.CreateTasks::new, command);
            case Command.AssignTasks c -> chunks(c.assignments(), MAX_ITEMS, part -> new Command.AssignTasks(part, c.at()), command);
            case Command.UpdateTaskStatuses c -> chunks(c.updates(), MAX_ITEMS,
                    part -> new Command.UpdateTaskStatuses(c.reporterNodeId(), part), command);
            case Command.SetDesiredStates c -> chunks(c.changes(), MAX_ITEMS, part -> new Command.SetDesiredStates(part, c.at()), command);
            case Command.DeleteTasks c -> chunks(c.taskIds(), MAX_ITEMS, Command.DeleteTasks::new, command);
            case Command.UpsertNodes c -> chunks(c.nodes(), MAX_NODES, Command.UpsertNodes::new, command);
            default -> List.of(command);
        };
    }

    /**
     * Submits the command's parts ({@link #split}) together, in order, and waits until every one is
     * applied; returns the state after the last. For a command over many tasks made outside the
     * leader loop (a verdict on many nodes, a forced node removal).
     */
    public static ClusterState submitSplit(ClusterStore store, Command command) throws InterruptedException {
        List<CompletableFuture<ClusterState>> parts = new ArrayList<>();
        for (Command part : split(command)) {
            parts.add(store.submit(part));
        }
        ClusterState state = null;
        for (CompletableFuture<ClusterState> part : parts) {
            state = Submissions.await(part);
        }
        return state;
    }

    private static <T> List<Command> chunks(List<T> items, int max, Function<List<T>, Command> make, Command whole) {
        if (items.size() <= max) {
            return List.of(whole);
        }
        List<Command> parts = new ArrayList<>(items.size() / max + 1);
        for (int from = 0; from < items.size(); from += max) {
            parts.add(make.apply(List.copyOf(items.subList(from, Math.min(items.size(), from + max)))));
        }
        return parts;
    }
}
