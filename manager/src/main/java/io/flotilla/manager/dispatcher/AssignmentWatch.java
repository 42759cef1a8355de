package io.flotilla.manager.dispatcher;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.state.ClusterState;
import java.time.Duration;
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
 * ({@link ClusterState#nodeTasksChangedSince}), not on every log entry: with 10,000 agents
 * polling, waking every poll on every applied entry would rebuild and send 10,000 sets per entry.
 *
 * <p>One thread follows the state while anyone waits; on a new state (at most one pass every
 * {@link #PASS_INTERVAL}, so a burst of entries costs one pass) it completes the waiters whose node
 * changed. The thread ends when nobody waits and starts again with the next waiter. At most one
 * waiter per node: a second poll of the same node answers the first at once.
 */
public final class AssignmentWatch {
    private static final Logger LOG = LoggerFactory.getLogger(AssignmentWatch.class);
    static final Duration PASS_INTERVAL = Duration.ofMillis(10);
    private static final Duration IDLE_WAIT = Duration.ofMillis(500);

    private record Waiter(long after, CompletableFuture<ClusterState> answer) {}

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

    private final ClusterStore store;
    private final Map<String, Waiter> waiters = new ConcurrentHashMap<>();
    private Thread thread; // guarded by this

    public AssignmentWatch(ClusterStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Returns a state in which node {@code nodeId}'s set may differ from the one it had at index
     * {@code after} (at once if {@code after} is negative), or the latest state after {@code wait}.
     */
    public ClusterState await(String nodeId, long after, Duration wait) throws InterruptedException {
        ClusterState state = store.state();
        if (after < 0 || changed(state, nodeId, after)) {
            return state;
        }
        Waiter waiter = new Waiter(after, new CompletableFuture<>());
        Waiter previous = waiters.put(nodeId, waiter);
        if (previous != null) {
            previous.answer().complete(store.state());
        }
        try {
            ensureFollowing();
            state = store.state(); // a change may have been applied while registering
            if (changed(state, nodeId, after)) {
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

    private boolean changed(ClusterState state, String nodeId, long after) {
        return state.nodeTasksChangedSince(nodeId, after) || dependencyChanges.changedSince(state, nodeId, after);
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
                if (state.index() == seen) {
                    continue;
                }
                seen = state.index();
                answerChanged(state);
                Thread.sleep(PASS_INTERVAL.toMillis()); // later entries of a burst go in the next pass
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

    private void answerChanged(ClusterState state) {
        for (Map.Entry<String, Waiter> entry : waiters.entrySet()) {
            Waiter waiter = entry.getValue();
            if (changed(state, entry.getKey(), waiter.after())) {
                waiter.answer().complete(state);
            }
        }
    }
}
