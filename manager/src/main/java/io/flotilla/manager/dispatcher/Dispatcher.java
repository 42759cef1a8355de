package io.flotilla.manager.dispatcher;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.CommandBatches;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of agent sessions: hello (register), assignments (long poll), status reports
 * (which are also heartbeats), and the liveness verdicts. Heartbeats stay in memory, recorded as
 * requests arrive; only verdicts and task statuses become commands. A hello answers once its node
 * is applied; a status report answers at once, its statuses committed in the background.
 *
 * <p>Only the leader dispatches: on another manager every call fails with
 * {@link NotLeaderException} naming the leader, and the agent switches to it.
 */
public final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final ClusterStore store;
    private final InstantSource clock;
    private final Duration heartbeatTimeout;
    private final Heartbeats heartbeats;
    private final AssignmentWatch assignmentWatch;
    private final StatusBatcher statusBatcher;
    private final GroupCommit<Node> hellos;
    private final GroupCommit<Command.NodeStateChange> readyAgain;
    private final Supplier<Set<String>> managerNodeIds;
    private final Supplier<String> leaderApi;
    private final Duration leaderGrace;
    /** Granted with every answered status report; a lost node's fenced tasks wait for it to run out. */
    private final Duration lease;
    /** Nodes whose "ready again" is queued or being committed: one change per node at a time. */
    private final Set<String> readyPending = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public Dispatcher(ClusterStore store, InstantSource clock, Duration heartbeatTimeout) {
        this(store, clock, heartbeatTimeout, Set.of());
    }

    /** @param managerNodeIds nodes that are managers (Raft peers): they register with role manager */
    public Dispatcher(ClusterStore store, InstantSource clock, Duration heartbeatTimeout, Set<String> managerNodeIds) {
        this(store, clock, heartbeatTimeout, () -> managerNodeIds, () -> null, heartbeatTimeout);
    }

    /**
     * @param managerNodeIds the managers (Raft peers) now: an unknown node among them registers as a manager
     * @param leaderApi      the leader's API address, or null: the hint a follower gives an agent
     * @param leaderGrace    how long a new leader waits before judging any node (at least the timeout): agents
     *                       need a moment to find the new leader, more so when the old one hangs
     */
    public Dispatcher(ClusterStore store, InstantSource clock, Duration heartbeatTimeout,
                      Supplier<Set<String>> managerNodeIds, Supplier<String> leaderApi, Duration leaderGrace) {
        this(store, clock, heartbeatTimeout, managerNodeIds, leaderApi, leaderGrace, io.flotilla.scheduler.Fencing.DEFAULT_LEASE);
    }

    /** @param lease the lease granted with every answered status report ({@code leaseMillis}; fencing) */
    public Dispatcher(ClusterStore store, InstantSource clock, Duration heartbeatTimeout,
                      Supplier<Set<String>> managerNodeIds, Supplier<String> leaderApi, Duration leaderGrace,
                      Duration lease) {
        this.lease = Objects.requireNonNull(lease, "lease");
        this.managerNodeIds = Objects.requireNonNull(managerNodeIds, "managerNodeIds");
        this.leaderApi = Objects.requireNonNull(leaderApi, "leaderApi");
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        this.leaderGrace = leaderGrace.compareTo(heartbeatTimeout) < 0 ? heartbeatTimeout : leaderGrace;
        // A manager that starts (a restart, most often) and leads at once is a new leader like any
        // other: the agents, its own included, are still starting or reconnecting. Without this the
        // grace was one heartbeat timeout, and a busy restart judged its own node down.
        Instant start = clock.instant();
        this.heartbeats = new Heartbeats(start.plus(this.leaderGrace.minus(heartbeatTimeout)), start);
        this.assignmentWatch = new AssignmentWatch(store);
        this.statusBatcher = new StatusBatcher(store);
        this.hellos = new GroupCommit<>(store, "hello", CommandBatches.MAX_NODES,
                nodes -> nodes.size() == 1 ? new Command.UpsertNode(nodes.getFirst()) : new Command.UpsertNodes(nodes));
        this.readyAgain = new GroupCommit<>(store, "node-ready", CommandBatches.MAX_ITEMS,
                changes -> new Command.SetNodeStates(changes, clock.instant()));
    }

    /**
     * This manager just became leader: every node gets a fresh grace period of {@code leaderGrace}
     * (the old leader's heartbeats are lost, and agents are still finding this one).
     */
    public void becameLeader() {
        Instant now = clock.instant();
        heartbeats.reset(now.plus(leaderGrace.minus(heartbeatTimeout)), now);
    }

    /** The lease granted with each answered status report. */
    public Duration lease() {
        return lease;
    }

    /** Wakes a node's assignment poll also when endpoints its tasks depend on change. */
    public void dependencyChanges(AssignmentWatch.DependencyChanges changes) {
        assignmentWatch.dependencyChanges(changes);
    }

    /** The in-memory heartbeats, for the session listener. */
    public Heartbeats heartbeats() {
        return heartbeats;
    }

    /**
     * Registers (or refreshes) the node as READY and answers what it must run. The node's role is
     * never the one it declares: a node the state knows keeps its spec (roles change only by join,
     * promote and demote), and an unknown node is a manager only if it is a peer of the managers'
     * Raft group (a manager's own agent, first registered by its hello). Any other unknown node is
     * refused — it must join, with a token, first — unless {@code registerUnknown} (a plaintext
     * test cluster, which has no joins), and then it is a worker.
     */
    public AssignmentSet hello(AgentHello hello, boolean registerUnknown) throws InterruptedException {
        requireLeader();
        Node incoming = Objects.requireNonNull(hello == null ? null : hello.node(), "hello.node");
        ClusterState before = store.state();
        Node existing = before.node(incoming.id()).orElse(null);
        if (existing == null) {
            boolean peer = managerNodeIds.get().contains(incoming.id());
            if (!peer && (!registerUnknown || (before.cluster() != null && before.cluster().removed(incoming.id())))) {
                throw UnknownNodeException.notJoined(incoming.id());
            }
            incoming = incoming.withSpec(new NodeSpec(peer ? NodeRole.MANAGER : NodeRole.WORKER,
                    incoming.spec().availability(), incoming.spec().labels()));
        }
        Instant now = clock.instant();
        heartbeats.record(incoming.id(), now);
        Instant since = existing != null && existing.status().state() == NodeState.READY
                ? existing.status().since() : now;
        NodeStatus ready = incoming.status().withState(NodeState.READY, since == null ? now : since, "ready");
        ClusterState state = hellos.submit(incoming.withStatus(ready)); // group commit with other nodes' hellos
        if (existing == null || existing.status().state() != NodeState.READY) {
            LOG.info("node {} is ready ({})", incoming.id(), existing == null ? "new" : "was " + existing.status().state());
        }
        return AssignmentSets.of(state, incoming.id());
    }

    /**
     * Answers the node's assignment set once it may differ from the one at state index {@code after}
     * (see {@link AssignmentWatch}), or after {@code wait} with the set as it is. Also counts as a heartbeat.
     */
    public AssignmentSet assignments(String nodeId, long after, Duration wait) throws InterruptedException {
        requireLeader();
        requireKnown(store.state(), nodeId);
        heartbeats.record(nodeId, clock.instant());
        ClusterState state = assignmentWatch.await(nodeId, after, wait);
        requireLeader();
        return AssignmentSets.of(state, nodeId);
    }

    /**
     * Records the heartbeat as the report arrives and queues the reported task statuses for a
     * shared entry, answering at once (see {@link StatusBatcher}): a report is the node's
     * heartbeat, and a heartbeat that waited for its commit expired behind a busy log. A DOWN node
     * that reports is marked READY again, also asynchronously. The statuses are applied shortly
     * after; an agent learns of it from its assignment set, and reports again what it does not see.
     *
     * <p>The answer grants the agent its lease ({@code leaseMillis}): it may keep its fenced tasks
     * running until the time it sent this report plus the lease. A lost node's fenced tasks are
     * replaced only after that, counted from when the report arrived here ({@link NodeLiveness}).
     * A leader that has not heard from a majority of managers within a second grants none (0): a new
     * leader elected meanwhile counts from its own start, and a stale one must not extend leases past it.
     */
    public StatusReportResponse status(StatusReport report) {
        requireLeader();
        String nodeId = Objects.requireNonNull(report.nodeId(), "nodeId");
        Instant now = clock.instant();
        Node node = requireKnown(store.state(), nodeId);
        heartbeats.record(nodeId, now);
        if (node.status().state() != NodeState.READY && readyPending.add(nodeId)) {
            LOG.info("node {} reports again; ready", nodeId);
            // group commit: after an overload many nodes report again at once
            readyAgain.submitAsync(new Command.NodeStateChange(nodeId, NodeState.READY, "heartbeat resumed"))
                    .whenComplete((state, error) -> {
                        readyPending.remove(nodeId);
                        if (error != null) {
                            LOG.warn("node {} reports again, but marking it ready failed (next report tries again): {}",
                                    nodeId, error.toString());
                        } else {
                            clearFenceWaits(nodeId);
                        }
                    });
        }
        if (!report.updates().isEmpty()) {
            statusBatcher.offer(nodeId, report.updates()); // group commit with other nodes' reports
        }
        // Without a quorum, another manager may lead already and count on leases ending: grant none.
        return new StatusReportResponse(store.quorumAvailable() ? lease.toMillis() : 0);
    }

    /** The node is back before its fenced tasks were given up: they no longer say they wait for its lease. */
    private void clearFenceWaits(String nodeId) {
        Command clear = NodeLiveness.backAgain(store.state(), nodeId);
        if (clear != null) {
            store.submit(clear).whenComplete((state, error) -> {
                if (error != null) {
                    LOG.debug("clearing the lease wait of node {}'s tasks failed: {}", nodeId, error.toString());
                }
            });
        }
    }

    /** Status updates accepted and not yet committed (for tests and the logs). */
    int statusUpdatesQueued() {
        return statusBatcher.queued();
    }

    /** One liveness pass: marks silent nodes DOWN and orphans their tasks. Returns the commands applied. */
    public List<Command> checkLiveness() throws InterruptedException {
        List<Command> verdicts = NodeLiveness.verdicts(store.state(), heartbeats, clock.instant(), heartbeatTimeout, lease);
        for (Command command : verdicts) {
            if (command instanceof Command.SetNodeStates down) {
                down.changes().forEach(change -> LOG.warn("node {} is down: {}", change.nodeId(), change.message()));
            }
            // A verdict on many nodes orphans many tasks: bounded entries (one entry of 20,000
            // orphans is ~4 MB, Ratis' appender limit; 30,000 would never commit).
            CommandBatches.submitSplit(store, command);
        }
        return verdicts;
    }

    private void requireLeader() {
        if (!store.isLeader()) {
            throw new NotLeaderException(leaderApi.get());
        }
    }

    private static Node requireKnown(ClusterState state, String nodeId) {
        return state.node(nodeId).orElseThrow(() -> new UnknownNodeException(nodeId));
    }
}
