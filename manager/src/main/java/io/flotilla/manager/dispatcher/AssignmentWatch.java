package io.flotilla.manager.dispatcher;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateStamps;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agents' assignment long polls, answered only when the polling node's set may have changed
 * ({@link StateStamps#nodeTasksChangedSince}), not on every log entry: with 10,000 agents
 * polling, waking every poll on every applied entry would rebuild and send 10,000 sets per entry.
 *
 * <p>A change to what the node must run (a task added, removed or asked to stop, a template, the
 * published ports, a dependency's endpoints) answers at once. A change of only the status of a task
 * the node already has (its own report, applied) answers once the poll has waited
 * {@code statusDelay} (5 s by default): the agent learns from it only that the manager caught up,
 * and when a million tasks report RUNNING, answering each node on each status entry rebuilt and
 * sent every node's whole set (5,000 sets of 200 tasks per entry) — the leader's CPU went there
 * instead of to the log.
 *
 * <p>A change to the node's session ({@link NodeSessions}: the node's spec, a service's spec, the
 * cluster's config, the managers' group) answers at once too.
 *
 * <p>One thread follows the state while anyone waits; on a new state (at most one pass every
 * {@link #PASS_INTERVAL}, so a burst of entries costs one pass), and at least every
 * {@link #IDLE_WAIT}, it completes the waiters whose node changed. The thread ends when nobody
 * waits and starts again with the next waiter. At most one waiter per node: a second poll of the
 * same node answers the first at once.
 */
public final class AssignmentWatch {
    private static final Logger LOG = LoggerFactory.getLogger(AssignmentWatch.class);
    static final Duration PASS_INTERVAL = Duration.ofMillis(10);
    private static final Duration IDLE_WAIT = Duration.ofMillis(500);
    /** How long a poll waits before a status-only change answers it (see the class comment). */
    public static final Duration STATUS_DELAY = Duration.ofSeconds(5);

    private record Waiter(long after, long sinceNanos, CompletableFuture<ClusterState> answer) {}

    /**
     * Whether the endpoints of a service some task of the node depends on changed after index
     * {@code after}: such a change is also a reason to answer (the set carries those endpoints).
     */
    @FunctionalInterface
    public interface DependencyChanges {
        DependencyChanges NONE = (state, nodeId, after) -> false;

        boolean changedSince(ClusterState state, String nodeId, long after);
    }

    private volatile DependencyChanges dependencyChanges = DependencyChanges.NONE;
    private volatile NodeSessions sessions = NodeSessions.NONE;

    private final ClusterStore store;
    private final long statusDelayNanos;
    private final Map<String, Waiter> waiters = new ConcurrentHashMap<>();
    private Thread thread; // guarded by this

    public AssignmentWatch(ClusterStore store) {
        this(store, STATUS_DELAY);
    }

    AssignmentWatch(ClusterStore store, Duration statusDelay) {
        this.store = Objects.requireNonNull(store, "store");
        this.statusDelayNanos = statusDelay.toNanos();
    }

    /**
     * Returns a state in which node {@code nodeId}'s set may differ from the one it had at index
     * {@code after} (at once if {@code after} is negative), or the latest state after {@code wait}.
     */
    public ClusterState await(String nodeId, long after, Duration wait) throws InterruptedException {
        ClusterState state = store.state();
        if (after < 0 || changed(state, nodeId, after, sessions.managers())) {
            return state;
        }
        Waiter waiter = new Waiter(after, System.nanoTime(), new CompletableFuture<>());
        Waiter previous = waiters.put(nodeId, waiter);
        if (previous != null) {
            previous.answer().complete(store.state());
        }
        try {
            ensureFollowing();
            state = store.state(); // a change may have been applied while registering
            if (changed(state, nodeId, after, sessions.managers())) {
                return state;
            }
            return waiter.answer().get(wait.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            return store.state();
        } catch (ExecutionException e) {
            throw new IllegalStateException("assignment watch failed", e.getCause());
        } finally {
            waiters.remove(nodeId, waiter);
        }
    }

    /** Also answers a poll when a dependency's endpoints changed (see {@link DependencyChanges}). */
    public void dependencyChanges(DependencyChanges changes) {
        this.dependencyChanges = Objects.requireNonNull(changes, "changes");
    }

    /** Also answers a poll when the node's session changed (see {@link NodeSessions}). */
    public void sessions(NodeSessions nodeSessions) {
        this.sessions = Objects.requireNonNull(nodeSessions, "nodeSessions");
    }

    private boolean changed(ClusterState state, String nodeId, long after, List<ManagerPeer> managers) {
        StateStamps stamps = state.stamps();
        return stamps.nodeTasksChangedSince(nodeId, after) || stamps.nodeSessionChangedSince(nodeId, after)
                || sessions.managersChanged(nodeId, managers) || dependencyChanges.changedSince(state, nodeId, after);
    }

    /** Whether the waiter waited {@code statusDelay} and its node's set changed in any way (a status, say). */
    private boolean statusDue(ClusterState state, String nodeId, Waiter waiter, long nowNanos) {
        return nowNanos - waiter.sinceNanos() >= statusDelayNanos
                && state.stamps().nodeSetChangedSince(nodeId, waiter.after());
    }

    /** Polls waiting now (for tests and metrics). */
    public int waiting() {
        return waiters.size();
    }

    private synchronized void ensureFollowing() {
        if (thread == null) {
            thread = Thread.ofPlatform().name("flotilla-assignment-watch").daemon(true).start(this::follow);
        }
    }

    private void follow() {
        long seen = store.state().index();
        try {
            while (true) {
                synchronized (this) {
                    if (waiters.isEmpty()) {
                        thread = null;
                        return;
                    }
                }
                ClusterState state = store.awaitIndex(seen, IDLE_WAIT);
                boolean moved = state.index() != seen;
                seen = state.index();
                answerChanged(state, moved); // also when nothing new: status-only changes fall due with time
                if (moved) {
                    Thread.sleep(PASS_INTERVAL.toMillis()); // later entries of a burst go in the next pass
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.warn("assignment watch stopped: {}", e.toString(), e);
        }
        synchronized (this) {
            if (thread == Thread.currentThread()) {
                thread = null;
            }
        }
        // Stopped abnormally: answer everyone, so no poll waits for a change it cannot learn of.
        waiters.values().forEach(waiter -> waiter.answer().complete(store.state()));
    }

    /**
     * Completes the waiters whose answer is due. With {@code moved} false (no new entry since the
     * last pass) only the status delay and the managers' group (not in the state) can have fallen
     * due: what changed in the state was looked at already (by the last pass, or by a waiter on
     * registering), and is not looked at again.
     */
    private void answerChanged(ClusterState state, boolean moved) {
        long now = System.nanoTime();
        List<ManagerPeer> managers = sessions.managers();
        for (Map.Entry<String, Waiter> entry : waiters.entrySet()) {
            Waiter waiter = entry.getValue();
            String nodeId = entry.getKey();
            if ((moved && changed(state, nodeId, waiter.after(), managers))
                    || (!moved && sessions.managersChanged(nodeId, managers)) || statusDue(state, nodeId, waiter, now)) {
                waiter.answer().complete(state);
            }
        }
    }
}
