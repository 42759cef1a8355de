package io.flotilla.manager.dispatcher;

import io.flotilla.model.Command;
import io.flotilla.model.Command.NodeStateChange;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.scheduler.Fencing;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The verdict on node liveness, decided from the state and the heartbeats (pure): a node not
 * heard of for longer than the timeout goes DOWN, and every task on it that has not ended becomes
 * ORPHANED, so the orchestrator replaces it elsewhere. A node already DOWN that still holds
 * unended tasks gets them orphaned again (a leader may have crashed between the two commands).
 *
 * <p>Fenced tasks ({@link Fencing}) are the exception: they may still run on the lost node until
 * its agent's lease runs out, so they are orphaned only once {@link #fenceDeadline} has passed —
 * the last instant a leader may have answered the node's report, plus the lease, plus a margin.
 * Until then they keep their state, with an error that says what they wait for; a node back
 * before the deadline keeps its tasks ({@link #backAgain} clears the error).
 */
public final class NodeLiveness {
    private NodeLiveness() {}

    /** A node that joined has this long to start its agent and say hello before it can be judged. */
    public static final Duration JOIN_GRACE = Duration.ofSeconds(30);

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    /** Joined (state UNKNOWN since the join) and not yet heard of, within {@link #JOIN_GRACE}. */
    private static boolean isJoining(Node node, Instant now) {
        Instant joined = node.status().since();
        return node.status().state() == NodeState.UNKNOWN && joined != null
                && Duration.between(joined, now).compareTo(JOIN_GRACE) < 0;
    }

    /** With the default lease ({@link Fencing#DEFAULT_LEASE}). */
    public static List<Command> verdicts(ClusterState state, Heartbeats heartbeats, Instant now, Duration timeout) {
        return verdicts(state, heartbeats, now, timeout, Fencing.DEFAULT_LEASE);
    }

    public static List<Command> verdicts(ClusterState state, Heartbeats heartbeats, Instant now, Duration timeout,
                                         Duration lease) {
        List<NodeStateChange> down = new ArrayList<>();
        List<TaskStatusUpdate> orphaned = new ArrayList<>();
        for (Node node : state.nodes().stream().sorted(Comparator.comparing(Node::id)).toList()) {
            boolean isDown = node.status().state() == NodeState.DOWN;
            if (!isDown) {
                if (isJoining(node, now)) {
                    continue;
                }
                Duration silence = heartbeats.silence(node.id(), now);
                if (silence.compareTo(timeout) <= 0) {
                    continue;
                }
                Duration stalled = heartbeats.stalled(heartbeats.lastSeen(node.id()), now);
                down.add(new NodeStateChange(node.id(), NodeState.DOWN, "no heartbeat for " + silence.toMillis() + " ms"
                        + (stalled.isZero() ? "" : " (not counting " + stalled.toMillis() + " ms this leader stood still)")));
            }
            Instant deadline = fenceDeadline(heartbeats, node.id(), lease);
            for (Task task : state.tasksOfNode(node.id())) {
                if (task.state().isTerminal()) {
                    continue;
                }
                Service service = state.service(task.serviceId()).orElse(null);
                boolean mayRun = task.state().compareTo(TaskState.ASSIGNED) >= 0;
                if (mayRun && Fencing.fenced(service, task) && !now.isAfter(deadline)) {
                    String waiting = waitingText(node, deadline);
                    if (!waiting.equals(task.status().error())) {
                        orphaned.add(new TaskStatusUpdate(task.id(), task.status().withError(waiting)));
                    }
                    continue;
                }
                String error = mayRun && Fencing.fenced(service, task)
                        ? "node " + node.id() + " is down; its lease expired at " + CLOCK.format(deadline) + " UTC"
                        : "node " + node.id() + " is down";
                orphaned.add(new TaskStatusUpdate(task.id(),
                        TaskStatus.of(TaskState.ORPHANED, now, "orphaned").withError(error)));
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

    /**
     * Until when a fenced task on a lost node may still run: the last instant a leader may have
     * answered the node's status report ({@link Heartbeats#lastPossibleAnswer}: its last heartbeat
     * here, or this leader's start), plus the lease the answer granted, plus {@link Fencing#MARGIN}.
     * The agent counts its lease from when it <em>sent</em> the report, which is earlier.
     */
    public static Instant fenceDeadline(Heartbeats heartbeats, String nodeId, Duration lease) {
        return heartbeats.lastPossibleAnswer(nodeId).plus(lease).plus(Fencing.MARGIN);
    }

    static String waitingText(Node node, Instant deadline) {
        return "node " + nodeName(node) + " is down; waiting until its lease expires at " + CLOCK.format(deadline)
                + " UTC before starting elsewhere";
    }

    private static String nodeName(Node node) {
        String hostname = node.status().hostname();
        return hostname == null || hostname.isBlank() || hostname.equals(node.id()) ? node.id()
                : hostname + " (" + node.id() + ")";
    }

    /**
     * The node is back: its fenced tasks that were waiting for its lease to expire lose that error
     * (they were never given up). Null when there is nothing to clear.
     */
    public static Command backAgain(ClusterState state, String nodeId) {
        List<TaskStatusUpdate> cleared = new ArrayList<>();
        String prefix = "node ";
        for (Task task : state.tasksOfNode(nodeId)) {
            String error = task.status().error();
            if (!task.state().isTerminal() && error != null && error.startsWith(prefix)
                    && error.contains(" is down; waiting until its lease expires at ")) {
                cleared.add(new TaskStatusUpdate(task.id(), task.status().withError(null)));
            }
        }
        return cleared.isEmpty() ? null : new Command.UpdateTaskStatuses(null, cleared);
    }
}
