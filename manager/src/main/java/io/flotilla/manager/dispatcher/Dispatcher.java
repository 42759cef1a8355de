package io.flotilla.manager.dispatcher;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.CommandBatches;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import io.flotilla.scheduler.Fencing;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of agent sessions: hello (register), assignments (long poll) and status
 * reports (which are also heartbeats). What each call decides is {@link DispatchRules}'s; this
 * class adds the store, the group commits and the long polls. Heartbeats stay in memory, recorded
 * as requests arrive, and the leader loop judges liveness from them (the same rules); only nodes
 * and task statuses become commands here. A hello answers once its node is applied; a status
 * report answers at once, its statuses committed in the background.
 *
 * <p>Only the leader dispatches: on another manager every call fails with
 * {@link NotLeaderException} naming the leader, and the agent switches to it.
 */
public final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final ClusterStore store;
    private final DispatchRules rules;
    private final InstantSource clock;
    private final AssignmentWatch assignmentWatch;
    private final StatusBatcher statusBatcher;
    private final GroupCommit<Node> hellos;
    private final GroupCommit<Command.NodeStateChange> readyAgain;
    private final Supplier<Set<String>> managerNodeIds;
    private final Supplier<String> leaderApi;
    private final MeshTrafficBoard traffic = new MeshTrafficBoard();
    /** Nodes whose "ready again" is queued or being committed: one change per node at a time. */
    private final Set<String> readyPending = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private volatile NodeSessions sessions = NodeSessions.NONE;
    /** Opens the tasks' secrets and configs: this manager's vault ({@link #files}); none until given. */
    private volatile AssignmentSets.FileContents files = AssignmentSets.FileContents.NONE;
    /** Where the agents' calls are counted ({@link DispatcherMeters}); none until given. */
    private volatile DispatcherMeters meters;

    /**
     * With rules of its own: a grace of one timeout from now and the default lease, and no managers
     * (for tests of the dispatcher alone).
     */
    public Dispatcher(ClusterStore store, InstantSource clock, Duration heartbeatTimeout) {
        this(store, new DispatchRules(heartbeatTimeout, heartbeatTimeout, Fencing.DEFAULT_LEASE, clock.instant()), clock,
                Set::of, () -> null);
    }

    /**
     * @param rules          the leader's rules and heartbeats, shared with the leader loop, which judges liveness
     * @param managerNodeIds the managers (Raft peers) now: an unknown node among them registers as a manager
     * @param leaderApi      the leader's API address, or null: the hint a follower gives an agent
     */
    public Dispatcher(ClusterStore store, DispatchRules rules, InstantSource clock,
                      Supplier<Set<String>> managerNodeIds, Supplier<String> leaderApi) {
        this.store = Objects.requireNonNull(store, "store");
        this.rules = Objects.requireNonNull(rules, "rules");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.managerNodeIds = Objects.requireNonNull(managerNodeIds, "managerNodeIds");
        this.leaderApi = Objects.requireNonNull(leaderApi, "leaderApi");
        this.assignmentWatch = new AssignmentWatch(store);
        this.statusBatcher = new StatusBatcher(store);
        this.hellos = new GroupCommit<>(store, "hello", CommandBatches.MAX_NODES,
                nodes -> nodes.size() == 1 ? new Command.UpsertNode(nodes.getFirst()) : new Command.UpsertNodes(nodes));
        this.readyAgain = new GroupCommit<>(store, "node-ready", CommandBatches.MAX_ITEMS,
                changes -> new Command.SetNodeStates(changes, clock.instant()));
    }

    /** The lease granted with each answered status report. */
    public Duration lease() {
        return rules.lease();
    }

    /** Gives every answer its node's session ({@link NodeSessions}), and wakes a poll when it changes. */
    public void sessions(NodeSessions nodeSessions) {
        this.sessions = Objects.requireNonNull(nodeSessions, "nodeSessions");
        assignmentWatch.sessions(nodeSessions);
    }

    /** Sends each task's secrets and configs, opened by {@code contents} (the manager's vault). */
    public void files(AssignmentSets.FileContents contents) {
        this.files = Objects.requireNonNull(contents, "contents");
    }

    /** Wakes a node's assignment poll also when endpoints its tasks depend on change. */
    public void dependencyChanges(AssignmentWatch.DependencyChanges changes) {
        assignmentWatch.dependencyChanges(changes);
    }

    /** Counts the agents' calls in {@code dispatcherMeters} from now on. */
    void meters(DispatcherMeters dispatcherMeters) {
        this.meters = dispatcherMeters;
    }

    /**
     * {@code GET /v1/dispatcher/traffic}: every node's latest mesh counters (the dashboard's request
     * rates and latencies across the cluster); only the leader has them.
     */
    public List<io.flotilla.model.api.MeshTraffic> traffic() {
        requireLeader();
        return traffic.current(clock.instant());
    }

    /** The agents' sessions this leader holds (0 on a follower). */
    int sessionCount() {
        return store.isLeader() ? rules.heartbeats().size() : 0;
    }

    /** Assignment long polls waiting now. */
    int openPolls() {
        return assignmentWatch.waiting();
    }

    /** The in-memory heartbeats, for the session listener. */
    public Heartbeats heartbeats() {
        return rules.heartbeats();
    }

    /**
     * Registers (or refreshes) the node as READY — who may, and with which role, is
     * {@link DispatchRules#hello}'s to say — and answers what it must run, once the node is applied.
     * An unknown node that is no manager is refused unless {@code registerUnknown} (a plaintext test
     * cluster, which has no joins).
     */
    public AssignmentSet hello(AgentHello hello, boolean registerUnknown) throws InterruptedException {
        requireLeader();
        DispatcherMeters counting = meters;
        if (counting != null) {
            counting.hellos().increment();
        }
        Node incoming = Objects.requireNonNull(hello == null ? null : hello.node(), "hello.node");
        ClusterState before = store.state();
        Node existing = before.node(incoming.id()).orElse(null);
        Node ready = rules.hello(before, incoming, id -> managerNodeIds.get().contains(id), registerUnknown,
                clock.instant());
        ClusterState state = hellos.submit(ready); // group commit with other nodes' hellos
        if (existing == null || existing.status().state() != NodeState.READY) {
            LOG.info("node {} is ready ({})", ready.id(), existing == null ? "new" : "was " + existing.status().state());
        }
        return AssignmentSets.of(state, ready.id(), files).withSession(sessions.of(state, ready.id()));
    }

    /**
     * Answers the node's assignment set once it — or the node's session ({@link NodeSessions}) — may
     * differ from the one at state index {@code after} (see {@link AssignmentWatch}), or after
     * {@code wait} with the set as it is. Also counts as a heartbeat.
     */
    public AssignmentSet assignments(String nodeId, long after, Duration wait) throws InterruptedException {
        requireLeader();
        DispatcherMeters counting = meters;
        if (counting != null) {
            counting.polls().increment();
            counting.heartbeats().increment();
        }
        rules.poll(store.state(), nodeId, clock.instant());
        ClusterState state = assignmentWatch.await(nodeId, after, wait);
        requireLeader();
        return AssignmentSets.of(state, nodeId, files).withSession(sessions.of(state, nodeId));
    }

    /**
     * Records the heartbeat as the report arrives and queues the reported task statuses for a
     * shared entry, answering at once (see {@link StatusBatcher}): a report is the node's
     * heartbeat, and a heartbeat that waited for its commit expired behind a busy log. A DOWN node
     * that reports is marked READY again, also asynchronously. The statuses are applied shortly
     * after; an agent learns of it from its assignment set, and reports again what it does not see.
     *
     * <p>The answer grants the agent its lease ({@code leaseMillis}) as {@link DispatchRules#report}
     * decides: none without a quorum.
     */
    public StatusReportResponse status(StatusReport report) {
        requireLeader();
        String nodeId = Objects.requireNonNull(report.nodeId(), "nodeId");
        DispatcherMeters counting = meters;
        if (counting != null) {
            counting.reports().increment();
            counting.heartbeats().increment();
            counting.statusUpdates().increment(report.updates().size());
        }
        DispatchRules.Report decided = rules.report(store.state(), nodeId, store.quorumAvailable(), clock.instant());
        if (decided.readyAgain() != null && readyPending.add(nodeId)) {
            LOG.info("node {} reports again; ready", nodeId);
            // group commit: after an overload many nodes report again at once
            readyAgain.submitAsync(decided.readyAgain())
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
        if (report.mesh() != null) {
            traffic.record(nodeId, report.mesh(), clock.instant());
        }
        return new StatusReportResponse(decided.leaseMillis());
    }

    /** The node is back before its fenced tasks were given up: they no longer say they wait for its lease. */
    private void clearFenceWaits(String nodeId) {
        Command clear = rules.backAgain(store.state(), nodeId);
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

    private void requireLeader() {
        if (!store.isLeader()) {
            throw new NotLeaderException(leaderApi.get());
        }
    }
}
