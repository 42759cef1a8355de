package io.flotilla.manager;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * An in-memory leader's store for dispatcher and leader loop tests that records every submission:
 * {@link #stalled} never commits (a stalled Raft log; a test may complete a {@link #commits} future
 * itself), {@link #applying} applies each command at once, in order.
 */
public final class FakeStore implements ClusterStore {
    public final List<Command> submitted = new CopyOnWriteArrayList<>();
    /** Each submission's future (stalled: never completed unless a test does). */
    public final List<CompletableFuture<ClusterState>> commits = new CopyOnWriteArrayList<>();
    private final boolean applies;
    private volatile ClusterState state;

    private FakeStore(ClusterState state, boolean applies) {
        this.state = state;
        this.applies = applies;
    }

    public static FakeStore stalled(ClusterState state) {
        return new FakeStore(state, false);
    }

    public static FakeStore applying(ClusterState state) {
        return new FakeStore(state, true);
    }

    @Override
    public ClusterState state() {
        return state;
    }

    @Override
    public ClusterState awaitIndex(long after, Duration max) {
        return state;
    }

    @Override
    public synchronized CompletableFuture<ClusterState> submit(Command command) {
        CompletableFuture<ClusterState> commit = new CompletableFuture<>();
        if (applies) {
            state = StateMachine.apply(state, state.index() + 1, command);
            commit.complete(state);
        }
        commits.add(commit);
        submitted.add(command);
        return commit;
    }

    @Override
    public boolean isLeader() {
        return true;
    }

    @Override
    public long term() {
        return 1;
    }
}
