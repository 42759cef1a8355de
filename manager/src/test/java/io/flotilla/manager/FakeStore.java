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
 * An in-memory store for dispatcher and leader loop tests that records every submission:
 * {@link #stalled} never commits (a stalled Raft log; a test may complete a {@link #commits} future
 * itself), {@link #applying} applies each command at once, in order; {@link #following} does
 * not lead.
 */
public final class FakeStore implements ClusterStore {
    public final List<Command> submitted = new CopyOnWriteArrayList<>();
    /** Each submission's future (stalled: never completed unless a test does). */
    public final List<CompletableFuture<ClusterState>> commits = new CopyOnWriteArrayList<>();
    private final boolean applies;
    private final boolean leads;
    private volatile ClusterState state;
    private volatile long term = 1;
    /** The term each fenced submission ({@link #submitInTerm}) carried, in order. */
    public final List<Long> fencedTerms = new CopyOnWriteArrayList<>();

    private FakeStore(ClusterState state, boolean applies, boolean leads) {
        this.state = state;
        this.applies = applies;
        this.leads = leads;
    }

    public static FakeStore stalled(ClusterState state) {
        return new FakeStore(state, false, true);
    }

    public static FakeStore applying(ClusterState state) {
        return new FakeStore(state, true, true);
    }

    /** A manager that does not lead, with {@code state} applied (a follower, perhaps behind the log); never commits. */
    public static FakeStore following(ClusterState state) {
        return new FakeStore(state, false, false);
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
        return leads;
    }

    @Override
    public synchronized CompletableFuture<ClusterState> submitInTerm(Command command, long decidedIn) {
        fencedTerms.add(decidedIn);
        return ClusterStore.super.submitInTerm(command, decidedIn);
    }

    @Override
    public long term() {
        return term;
    }

    /** Another leader was elected meanwhile, or this one again: a new term (1 at first). */
    public void term(long newTerm) {
        this.term = newTerm;
    }
}
