package io.flotilla.node;

import io.flotilla.agent.SessionListener;
import io.flotilla.client.ApiException;
import io.flotilla.model.NodeRole;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.NodeSession;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a cluster node's process follow its role in the cluster state, without a restart:
 * <ul>
 *   <li>role MANAGER and no manager running here (promoted): start the manager role in this
 *       process and have it added to the managers' Raft group;</li>
 *   <li>a manager running here, this node not in the Raft group, and its role WORKER (demoted)
 *       or the node gone (removed): stop the manager role; the agent and its tasks keep running.
 *       The group change itself was made — and refused if it would lose the quorum — by the
 *       manager that handled {@code node demote} or {@code node rm};</li>
 *   <li>role MANAGER, a manager running here, not in the group yet (a join or promotion whose
 *       add failed, the leader changing meanwhile): ask to be added again, every 10 s.</li>
 * </ul>
 * <p>What it looks at is the node's session ({@link NodeSession}), which the agent's long poll
 * brings from the leader's dispatcher as soon as the node's spec or the managers' group changes:
 * the node's role (none: removed) and the group. No request of its own. The leader has applied its
 * whole log before it dispatches, so this is never the view of a manager still replaying an older
 * role after a restart. A manager refusing the node's own certificate (403 to the agent) means it
 * was removed and its certificate revoked. The manager role gets a manager's certificate first
 * (renewed: the role is the state's), and a worker's again when it stops.
 *
 * <p>The new role is written to {@code node.json}, so a restart comes back as what the cluster
 * says. The rules are applied to each new session and every {@link #PERIOD} (the waits below are
 * measured on this node's clock).
 */
final class NodeRoleWatch implements AutoCloseable, SessionListener {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRoleWatch.class);
    /** How often the rules are applied to the latest session besides when a new one arrives (no request). */
    static final Duration PERIOD = Duration.ofMillis(500);
    private static final Duration REJOIN_EVERY = Duration.ofSeconds(10);
    /** How long a manager outside the group waits before it asks to join again (see {@link #outsideLongEnough}). */
    static final Duration OUTSIDE_BEFORE_REJOIN = Duration.ofSeconds(3);

    private final LocalNode node;
    private final Path data;
    private volatile NodeConfig config;
    private final Thread thread;
    private final Semaphore wake = new Semaphore(0);
    private volatile boolean closed;
    private volatile NodeSession session;
    /** A manager refused this node's certificate as revoked: it was removed (for good). */
    private volatile boolean revoked;
    private boolean seen;
    private long lastRejoin;
    /** When this node was first seen as a manager outside the group (nanoTime), or 0. */
    private long outsideSince;

    private NodeRoleWatch(LocalNode node, Path data, NodeConfig config) {
        this.node = node;
        this.data = data;
        this.config = config;
        this.thread = Thread.ofVirtual().name("node-role-watch").unstarted(this::run);
    }

    static NodeRoleWatch start(LocalNode node, Path data, NodeConfig config) {
        NodeRoleWatch watch = new NodeRoleWatch(node, data, config);
        watch.thread.start();
        return watch;
    }

    @Override
    public void session(NodeSession latest) {
        session = latest;
        wake.release();
    }

    @Override
    public void refused(String reason) {
        if (!revoked) {
            LOG.info("node {}: a manager refused its certificate: {}", config.nodeId(), reason);
        }
        revoked = true;
        wake.release();
    }

    private void run() {
        while (!closed) {
            try {
                wake.tryAcquire(PERIOD.toMillis(), TimeUnit.MILLISECONDS);
                wake.drainPermits();
                check();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("node {}: following its role failed (will retry): {}", config.nodeId(), e.toString());
            }
        }
    }

    /** What the session says about this node: its role (null: removed, or revoked) and the group (empty: revoked). */
    private record View(NodeRole role, List<ManagerPeer> managers, boolean revoked) {
        boolean member(String id) {
            return managers.stream().anyMatch(m -> m.id().equals(id));
        }
    }

    private View view() {
        if (revoked) {
            return new View(null, List.of(), true);
        }
        NodeSession latest = session;
        if (latest == null) {
            return null;
        }
        return new View(latest.removed() ? null : latest.node().role(), latest.managers(), false);
    }

    private void check() throws IOException {
        View view = view();
        if (view == null || closed) {
            return;
        }
        String id = config.nodeId();
        boolean local = node.manager() != null;
        if (view.role() != null) {
            seen = true;
        }
        NodeRole role = view.role();
        if (role != NodeRole.MANAGER || view.member(id)) {
            outsideSince = 0;
        }
        if (role == NodeRole.MANAGER && !local) {
            LOG.info("node {} was promoted: starting its manager role", id);
            save(config.withRole(NodeRole.MANAGER).withManagers(view.managers()));
            node.startManagerRole(data, config.advertise(), view.managers());
            LOG.info("node {} runs as a manager now", id);
        } else if (local && !view.member(id) && (role == NodeRole.WORKER || (role == null && (seen || view.revoked())))) {
            LOG.info("node {} was {}: stopping its manager role (the agent keeps running)", id,
                    role == null ? "removed" : "demoted");
            node.stopManagerRole(data, config.advertise());
            save(new NodeConfig(id, config.clusterId(), NodeRole.WORKER, config.advertise(),
                    view.revoked() ? config.managers() : view.managers(), false));
        } else if (role == NodeRole.MANAGER && !view.member(id) && outsideLongEnough()
                && System.nanoTime() - lastRejoin > REJOIN_EVERY.toNanos()) {
            lastRejoin = System.nanoTime();
            try {
                node.askToJoinRaftGroup(node.currentManager(), config.advertise());
            } catch (ApiException e) {
                LOG.debug("node {}: asking to join the managers' Raft group again: {}", id, e.getMessage());
            }
        }
    }

    /**
     * True once this node has been seen as a manager outside the group for {@link #OUTSIDE_BEFORE_REJOIN}.
     * A demotion and a removal take the node out of the group first and change its role (or
     * remove it) a moment later: a node that asked to join again in between was added back, and
     * stayed a member with a worker's role (or none), for good.
     */
    private boolean outsideLongEnough() {
        long now = System.nanoTime();
        if (outsideSince == 0) {
            outsideSince = now;
        }
        return now - outsideSince >= OUTSIDE_BEFORE_REJOIN.toNanos();
    }

    private void save(NodeConfig next) throws IOException {
        config = next;
        next.save(data);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
