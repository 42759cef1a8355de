package io.flotilla.manager.raft;

import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * The replicated cluster state as the rest of the manager sees it: read the latest applied state,
 * wait for it to move, and propose commands. Implemented over Ratis by {@link RaftClusterStore}.
 */
public interface ClusterStore {
    /** The latest state applied on this manager. */
    ClusterState state();

    /**
     * Waits until the applied state's index is greater than {@code after}, or {@code max} passed;
     * returns the latest state either way.
     */
    ClusterState awaitIndex(long after, Duration max) throws InterruptedException;

    /**
     * Appends {@code command} to the log. Completes, once the command is applied on this manager,
     * with a state that includes it; fails with {@link UnavailableException} without leader or
     * quorum, with {@link CommandFailedException} if it could not be applied.
     */
    CompletableFuture<ClusterState> submit(Command command);

    /**
     * {@link #submit} for a decision this manager made as the leader of {@code term}: refused, with
     * nothing appended, unless it still leads that term, and refused by any other leader its Raft
     * client may send it on to (a stale leader's decision must not be applied by the next one). A
     * refusal is an {@link UnavailableException} here, a {@link CommandFailedException} from the
     * other leader.
     */
    default CompletableFuture<ClusterState> submitInTerm(Command command, long term) {
        return isLeader() && term() == term ? submit(command)
                : CompletableFuture.failedFuture(UnavailableException.noLongerLeads(term, term()));
    }

    /**
     * Returns once {@link #state()} includes every change committed before the call, so that a read
     * of it is linearizable (a Raft read index that a majority confirmed); fails with
     * {@link UnavailableException} without a leader and quorum within {@code max}. A store that is
     * the whole cluster (tests) is always current.
     */
    default void awaitConsistent(Duration max) throws InterruptedException {
    }

    /** True while this manager is the Raft leader and ready (its first entry of the term is applied). */
    boolean isLeader();

    /** The current Raft term: a leader that sees it change has lost and regained leadership meanwhile. */
    long term();

    /**
     * This manager's best guess that a change could commit now (a leader hearing from a majority
     * within the last second). The dispatcher grants agents a lease only then: a leader cut off
     * from the others must not extend leases past what a newly elected leader will wait for.
     */
    default boolean quorumAvailable() {
        return true;
    }
}
