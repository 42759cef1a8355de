package io.flotilla.manager.dispatcher;

import io.flotilla.model.Command;
import io.flotilla.model.Command.NodeStateChange;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The verdict on node liveness, decided from the state and the heartbeats (pure): a node not
 * heard of for longer than the timeout goes DOWN, and every task on it that has not ended becomes
 * ORPHANED, so the orchestrator replaces it elsewhere. A node already DOWN that still holds
 * unended tasks gets them orphaned again (a leader may have crashed between the two commands).
 */
public final class NodeLiveness {
    private NodeLiveness() {}

    /** A node that joined has this long to start its agent and say hello before it can be judged. */
    public static final Duration JOIN_GRACE = Duration.ofSeconds(30);

    /** Joined (state UNKNOWN since the join) and not yet heard of, within {@link #JOIN_GRACE}. */
    private static boolean isJoining(Node node, Instant now) {
        Instant joined = node.status().since();
        return node.status().state() == NodeState.UNKNOWN && joined != null
                && Duration.between(joined, now).compareTo(JOIN_GRACE) < 0;
    }

    public static List<Command> verdicts(ClusterState state, Heartbeats heartbeats, Instant now, Duration timeout) {
        List<NodeStateChange> down = new ArrayList<>();
        List<TaskStatusUpdate> orphaned = new ArrayList<>();
        for (Node node : state.nodes().stream().sorted(Comparator.comparing(Node::id)).toList()) {
            boolean isDown = node.status().state() == NodeState.DOWN;
            if (!isDown) {
                if (isJoining(node, now)) {
                    continue;
                }
                Duration silence = Duration.between(heartbeats.lastSeen(node.id()), now);
                if (silence.compareTo(timeout) <= 0) {
                    continue;
                }
                down.add(new NodeStateChange(node.id(), NodeState.DOWN,
                        "no heartbeat for " + silence.toMillis() + " ms"));
            }
            String error = "node " + node.id() + " is down";
            for (Task task : state.tasksOfNode(node.id())) {
                if (!task.state().isTerminal()) {
                    orphaned.add(new TaskStatusUpdate(task.id(),
                            TaskStatus.of(TaskState.ORPHANED, now, "orphaned").withError(error)));
                }
            }
        }
        List<Command> commands = new ArrayList<>(2);
        if (!down.isEmpty()) {
            commands.add(new Command.SetNodeStates(down, now));
        }
        if (!orphaned.isEmpty()) {
            commands.add(new Command.UpdateTaskStatuses(null, orphaned));
        }
        return commands;
    }
}
