package io.flotilla.manager.dispatcher;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's side of agent sessions: hello (register), assignments (long poll), status reports
 * (which are also heartbeats), and the liveness verdicts. Heartbeats stay in memory; only
 * verdicts and task statuses become commands. Every call answers once its commands are applied.
 *
 * <p>Only the leader dispatches: on another manager every call fails with
 * {@link UnavailableException}, and the agent tries another manager.
 */
public final class Dispatcher {
    private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);

    private final ClusterStore store;
    private final InstantSource clock;
    private final Duration heartbeatTimeout;
    private final Heartbeats heartbeats;
    private final Set<String> managerNodeIds;

    public Dispatcher(ClusterStore store, InstantSource clock, Duration heartbeatTimeout) {
        this(store, clock, heartbeatTimeout, Set.of());
    }

    /** @param managerNodeIds nodes that are managers (Raft peers): they register with role manager */
    public Dispatcher(ClusterStore store, InstantSource clock, Duration heartbeatTimeout, Set<String> managerNodeIds) {
        this.managerNodeIds = Set.copyOf(managerNodeIds);
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.heartbeatTimeout = Objects.requireNonNull(heartbeatTimeout, "heartbeatTimeout");
        this.heartbeats = new Heartbeats(clock.instant());
    }

    /** This manager just became leader: every node gets a fresh grace period. */
    public void becameLeader() {
        heartbeats.reset(clock.instant());
    }

    /** Registers (or refreshes) the node as READY and answers what it must run. */
    public AssignmentSet hello(AgentHello hello) throws InterruptedException {
        requireLeader();
        Node incoming = Objects.requireNonNull(hello == null ? null : hello.node(), "hello.node");
        Instant now = clock.instant();
        heartbeats.record(incoming.id(), now);
        Node existing = store.state().node(incoming.id()).orElse(null);
        Instant since = existing != null && existing.status().state() == NodeState.READY
                ? existing.status().since() : now;
        NodeStatus ready = incoming.status().withState(NodeState.READY, since == null ? now : since, "ready");
        if (existing == null && managerNodeIds.contains(incoming.id())) {
            incoming = incoming.withSpec(new NodeSpec(NodeRole.MANAGER, incoming.spec().availability(), incoming.spec().labels()));
        }
        ClusterState state = Submissions.await(store.submit(new Command.UpsertNode(incoming.withStatus(ready))));
        if (existing == null || existing.status().state() != NodeState.READY) {
            LOG.info("node {} is ready ({})", incoming.id(), existing == null ? "new" : "was " + existing.status().state());
        }
        return AssignmentSets.of(state, incoming.id());
    }

    /**
     * Answers the node's assignment set once the state index is past {@code after}, or after
     * {@code wait} with the set as it is. Also counts as a heartbeat.
     */
    public AssignmentSet assignments(String nodeId, long after, Duration wait) throws InterruptedException {
        requireLeader();
        requireKnown(store.state(), nodeId);
        heartbeats.record(nodeId, clock.instant());
        ClusterState state = store.awaitIndex(after, wait);
        requireLeader();
        return AssignmentSets.of(state, nodeId);
    }

    /** Records the heartbeat and applies the reported task statuses; a DOWN node that reports is READY again. */
    public void status(StatusReport report) throws InterruptedException {
        requireLeader();
        String nodeId = Objects.requireNonNull(report.nodeId(), "nodeId");
        Instant now = clock.instant();
        Node node = requireKnown(store.state(), nodeId);
        heartbeats.record(nodeId, now);
        if (node.status().state() != NodeState.READY) {
            LOG.info("node {} reports again; ready", nodeId);
            Submissions.await(store.submit(new Command.SetNodeStates(
                    List.of(new Command.NodeStateChange(nodeId, NodeState.READY, "heartbeat resumed")), now)));
        }
        if (!report.updates().isEmpty()) {
            Submissions.await(store.submit(new Command.UpdateTaskStatuses(nodeId, report.updates())));
        }
    }

    /** One liveness pass: marks silent nodes DOWN and orphans their tasks. Returns the commands applied. */
    public List<Command> checkLiveness() throws InterruptedException {
        List<Command> verdicts = NodeLiveness.verdicts(store.state(), heartbeats, clock.instant(), heartbeatTimeout);
        for (Command command : verdicts) {
            if (command instanceof Command.SetNodeStates down) {
                down.changes().forEach(change -> LOG.warn("node {} is down: {}", change.nodeId(), change.message()));
            }
            Submissions.await(store.submit(command));
        }
        return verdicts;
    }

    private void requireLeader() {
        if (!store.isLeader()) {
            throw new UnavailableException("this manager is not the leader");
        }
    }

    private static Node requireKnown(ClusterState state, String nodeId) {
        return state.node(nodeId).orElseThrow(() -> new UnknownNodeException(nodeId));
    }
}
