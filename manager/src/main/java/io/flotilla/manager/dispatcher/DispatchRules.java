package io.flotilla.manager.dispatcher;

import io.flotilla.model.Command;
import io.flotilla.model.Command.NodeStateChange;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * The dispatcher's rules: what the leader decides when an agent says hello, polls or reports, and
 * the memory those decisions need — when each node was last heard of, and since when this manager
 * leads ({@link Heartbeats}). No threads, no I/O, no clock: the instant comes with every call, so
 * the manager simulation runs these same rules on its fake clock. {@link Dispatcher} wraps them
 * with the store, the group commits and the long polls; the leader loop judges liveness from the
 * same heartbeats ({@link #verdicts}).
 *
 * <p>Thread-safe: request threads record heartbeats while the leader loop judges them.
 */
public final class DispatchRules {
    private final Duration heartbeatTimeout;
    private final Duration leaderGrace;
    private final Duration lease;
    private final Heartbeats heartbeats;

    /**
     * What a status report decides besides its statuses.
     *
     * @param readyAgain  the node's way back to READY (it was not), or null
     * @param leaseMillis the lease the answer grants (0: none)
     */
    public record Report(NodeStateChange readyAgain, long leaseMillis) {}

    /**
     * @param heartbeatTimeout how long a node may stay silent before it is judged down
     * @param leaderGrace      how long a new leader waits before judging any node (at least the timeout): agents
     *                         need a moment to find the new leader, more so when the old one hangs
     * @param lease            granted with every answered status report ({@code leaseMillis}; fencing)
     * @param start            when this manager started: one that leads at once is a new leader like any
     *                         other (its agents, its own included, are still starting or reconnecting), so
     *                         the first grace counts from here
     */
    public DispatchRules(Duration heartbeatTimeout, Duration leaderGrace, Duration lease, Instant start) {
        this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        this.leaderGrace = Objects.requireNonNull(leaderGrace, "leaderGrace").compareTo(heartbeatTimeout) < 0
                ? heartbeatTimeout : leaderGrace;
        this.lease = Objects.requireNonNull(lease, "lease");
        this.heartbeats = new Heartbeats(graceStart(start), start);
    }

    /**
     * This manager leads from {@code now}: every node gets a fresh grace period of {@code leaderGrace}
     * (the old leader's heartbeats are lost, and agents are still finding this one), and fenced
     * tasks count their lease from here ({@link NodeLiveness#fenceDeadline}).
     */
    public void lead(Instant now) {
        heartbeats.reset(graceStart(now), now);
    }

    /** Nodes not heard of count as heard of at this instant: judged no earlier than {@code leaderGrace} after it. */
    private Instant graceStart(Instant leadingSince) {
        return leadingSince.plus(leaderGrace.minus(heartbeatTimeout));
    }

    /**
     * A hello: the node to register (or refresh) as READY, and its heartbeat. The node's role is
     * never the one it declares: a node the state knows keeps its spec (roles change only by join,
     * promote and demote), and an unknown node is a manager only if it is a peer of the managers'
     * Raft group ({@code isManager}; a manager's own agent, first registered by its hello). Any
     * other unknown node is refused — it must join, with a token, first — unless
     * {@code registerUnknown} (a plaintext test cluster, which has no joins), and then it is a worker.
     * A node READY already keeps the instant it became so.
     *
     * @throws UnknownNodeException the node must join first (or was removed)
     */
    public Node hello(ClusterState state, Node incoming, Predicate<String> isManager, boolean registerUnknown,
                      Instant now) {
        Node existing = state.node(incoming.id()).orElse(null);
        if (existing == null) {
            boolean peer = isManager.test(incoming.id());
            if (!peer && (!registerUnknown || (state.cluster() != null && state.cluster().removed(incoming.id())))) {
                throw UnknownNodeException.notJoined(incoming.id());
            }
            incoming = incoming.withSpec(new NodeSpec(peer ? NodeRole.MANAGER : NodeRole.WORKER,
                    incoming.spec().availability(), incoming.spec().labels()));
        }
        heartbeats.record(incoming.id(), now);
        Instant since = existing != null && existing.status().state() == NodeState.READY
                ? existing.status().since() : now;
        NodeStatus ready = incoming.status().withState(NodeState.READY, since == null ? now : since, "ready");
        return incoming.withStatus(ready);
    }

    /**
     * A poll for assignments from a known node: its heartbeat.
     *
     * @throws UnknownNodeException the state has no such node (it must say hello)
     */
    public Node poll(ClusterState state, String nodeId, Instant now) {
        Node node = requireKnown(state, nodeId);
        heartbeats.record(nodeId, now);
        return node;
    }

    /**
     * A status report, which is also the node's heartbeat: a node not READY that reports is made
     * READY again, and the answer grants the agent its lease — it may keep its fenced tasks running
     * until it sent the report plus the lease. A lost node's fenced tasks are replaced only after
     * that, counted from when the report arrived here ({@link NodeLiveness}). A leader without a
     * quorum ({@code quorum} false: no majority heard within a second) grants none (0): a new leader
     * elected meanwhile counts from its own start, and a stale one must not extend leases past it.
     *
     * @throws UnknownNodeException the state has no such node (it must say hello)
     */
    public Report report(ClusterState state, String nodeId, boolean quorum, Instant now) {
        Node node = poll(state, nodeId, now);
        NodeStateChange readyAgain = node.status().state() == NodeState.READY ? null
                : new NodeStateChange(nodeId, NodeState.READY, "heartbeat resumed");
        return new Report(readyAgain, quorum ? lease.toMillis() : 0);
    }

    /**
     * The node is READY again: its fenced tasks that were waiting for its lease to run out lose that
     * error ({@link NodeLiveness#backAgain}); null when there is nothing to clear.
     */
    public Command backAgain(ClusterState state, String nodeId) {
        return NodeLiveness.backAgain(state, nodeId);
    }

    /** The liveness verdicts on {@code state} at {@code now}, from this leader's heartbeats ({@link NodeLiveness}). */
    public List<Command> verdicts(ClusterState state, Instant now) {
        return NodeLiveness.verdicts(state, heartbeats, now, heartbeatTimeout, lease);
    }

    /** Of the statuses a node reported, those that would change the state (see {@link #redundant}). */
    public static List<TaskStatusUpdate> news(ClusterState state, String nodeId, List<TaskStatusUpdate> updates) {
        List<TaskStatusUpdate> news = new ArrayList<>(updates.size());
        for (TaskStatusUpdate update : updates) {
            if (!redundant(state.task(update.taskId()).orElse(null), nodeId, update)) {
                news.add(update);
            }
        }
        return news;
    }

    /**
     * Whether the update from {@code nodeId} would change nothing: its task is gone or on another
     * node (a node reports only for itself), already at that status (all but the timestamp), or past it.
     */
    public static boolean redundant(Task task, String nodeId, TaskStatusUpdate update) {
        if (task == null || !nodeId.equals(task.nodeId())) {
            return true;
        }
        TaskStatus current = task.status();
        TaskStatus status = update.status();
        return !task.state().canMoveTo(status.state()) || current.equalsButTimestamp(status);
    }

    /** The lease granted with each answered status report. */
    public Duration lease() {
        return lease;
    }

    public Duration heartbeatTimeout() {
        return heartbeatTimeout;
    }

    /** The in-memory heartbeats (also for the session listener and tests). */
    public Heartbeats heartbeats() {
        return heartbeats;
    }

    private static Node requireKnown(ClusterState state, String nodeId) {
        return state.node(nodeId).orElseThrow(() -> new UnknownNodeException(nodeId));
    }
}
